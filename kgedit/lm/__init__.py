"""The language model: local BPE tokenizer, Mistral presets, the model-family table (kgedit.lm.families),
pretraining (or continued pretraining of any supported HF causal LM), batched scoring and decoding.

Public API (torch/transformers are imported only when one of these is first used):
    load_checkpoint(path, device) -> (model, tokenizer, KgeditConfig)
    load_model_folder(path, device, dtype) -> (model, tokenizer) of any supported HF causal-LM folder
    score(model, tok, pairs, batch_size) -> np.ndarray of log p(continuation | [BOS] prompt)
    p_true(model, tok, prompts, batch_size) -> np.ndarray of p(" true") vs p(" false")
    greedy_decode(model, tok, prompts, max_new_tokens) -> list[str]
"""

from __future__ import annotations

from typing import Any

_API = {
    "load_checkpoint": "kgedit.lm.checkpoint",
    "load_model_folder": "kgedit.lm.model_folder",
    "score": "kgedit.lm.scoring",
    "p_true": "kgedit.lm.scoring",
    "greedy_decode": "kgedit.lm.decoding",
}


def __getattr__(name: str) -> Any:
    # Lazy re-export: `import kgedit.lm` stays light, the heavy modules load on first use.
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(name)
