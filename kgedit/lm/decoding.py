"""Batched greedy decoding with a KV cache, stopping at a sentence boundary ('.', '"', EOS).

Prompts are left-padded so every row's next token sits in the last column; positions are computed
from the attention mask (a left-padded row starts at position 0 at its first real token), and each
step feeds one token per row with the cache (transformers DynamicCache) from the step before.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
import torch

from kgedit.lm.scoring import BatchHook, length_batches, model_device
from kgedit.lm.tokenizer import encode

BOUNDARY = '."'


def stop_token_mask(tok, boundary: str = BOUNDARY) -> torch.Tensor:
    """[V] bool: tokens that end a continuation (EOS, or any token whose text holds a boundary char)."""
    vocab = tok.backend_tokenizer.get_vocab_size()
    texts = tok.batch_decode([[i] for i in range(vocab)])
    mask = torch.tensor([any(ch in t for ch in boundary) for t in texts])
    mask[tok.eos_token_id] = True
    return mask


def cut_at_boundary(text: str, boundary: str = BOUNDARY) -> str:
    cut = min([text.index(ch) for ch in boundary if ch in text], default=len(text))
    return text[:cut]


@torch.no_grad()
def greedy_decode(model, tok, prompts: Sequence[str], max_new_tokens: int, batch_size: int = 64,
                  *, stop_mask: torch.Tensor | None = None, boundary: str = BOUNDARY,
                  on_batch: BatchHook | None = None) -> list[str]:
    """Greedy continuation of [BOS] prompt for each prompt, cut at the first boundary (not stripped).
    boundary="" decodes max_new_tokens or up to EOS (free text, e.g. for fluency). `on_batch` is
    called with each batch's prompt indices before its first forward pass (kgedit.lm.scoring)."""
    device = model_device(model)
    stop = (stop_mask if stop_mask is not None else stop_token_mask(tok, boundary)).to(device)
    encoded = [[tok.bos_token_id, *ids] for ids in encode(tok, list(prompts))]
    outputs: list[str] = [""] * len(prompts)
    for idx in length_batches([len(e) for e in encoded], batch_size):
        if on_batch is not None:
            on_batch(idx)
        generated = _decode_batch(model, [encoded[i] for i in idx], max_new_tokens, stop,
                                  tok.pad_token_id, device)
        for i, ids in zip(idx, generated):
            if tok.eos_token_id in ids:
                ids = ids[:ids.index(tok.eos_token_id)]
            outputs[i] = cut_at_boundary(tok.decode(ids), boundary)
    return outputs


def _cache_name(model) -> str:
    """The KV cache's argument and output name: `cache` since transformers 5.x (which warns on the
    old `past_key_values` at every call), `past_key_values` before."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _decode_batch(model, seqs: list[list[int]], max_new_tokens: int, stop: torch.Tensor, pad_id: int,
                  device: torch.device) -> list[list[int]]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        ids[row, width - len(s):] = torch.tensor(s)
        mask[row, width - len(s):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(1) - 1).clamp(min=0)                              # [b, t]
    done = torch.zeros(len(seqs), dtype=torch.bool, device=device)
    key = _cache_name(model)
    new_tokens = []
    cache = None
    step_ids, step_pos = ids, positions
    for _ in range(max_new_tokens):
        out = model(input_ids=step_ids, attention_mask=mask, position_ids=step_pos,
                    use_cache=True, **{key: cache})
        cache = getattr(out, key)
        nxt = out.logits[:, -1].argmax(-1)                                      # [b]
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        new_tokens.append(nxt)
        done |= stop[nxt]
        if bool(done.all()):
            break
        step_ids, step_pos = nxt[:, None], step_pos[:, -1:] + 1
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
    if not new_tokens:
        return [[] for _ in seqs]
    gen = torch.stack(new_tokens, 1).cpu().numpy()                             # [b, new]
    stops = stop.cpu().numpy()
    result = []
    for row in gen:
        ends = np.nonzero(stops[row])[0]
        result.append(row[: ends[0] + 1 if len(ends) else len(row)].tolist())
    return result
