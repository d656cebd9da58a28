"""Any local Hugging Face causal-LM folder (config.json, safetensors weights, tokenizer files), offline:
checked before anything heavy is read, then loaded with AutoModelForCausalLM / AutoTokenizer.

kgedit checkpoints (`kgedit train --out`) are such folders with kgedit.json beside them; it is not
required here. Every check turns a mistake into a KgeditError that names the file:
* no config.json, or one that is not JSON; a model_type outside kgedit.lm.families (encoder-only and
  encoder-decoder models, e.g. BERT and T5, are named as such);
* no weights (model.safetensors or its shard index: never a pickled pytorch_model.bin), or weights that
  do not match config.json (missing, extra or mis-shaped tensors are errors, never re-initialised);
* no fast tokenizer, or one with more tokens than the embedding has rows (ids the model cannot look
  up). Fewer is allowed: many models pad their embedding (Pythia, Qwen).

Tokenizer conventions (conform_tokenizer): kgedit puts a start token before every text and pads
batches itself, so a tokenizer without a BOS (Qwen) starts texts with its EOS, and one without a pad
token (GPT-2, Llama) pads with EOS — pads are masked, so scores do not depend on the pad id. How the
space before a continuation is tokenised is decided per text (kgedit.lm.tokenizer.split_pairs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kgedit.errors import KgeditError
from kgedit.lm.families import Family, check_model_type

WEIGHTS = ("model.safetensors", "model.safetensors.index.json")   # one file, or the index of its shards
DTYPES = ("auto", "fp32", "bf16", "fp16")
DAMAGED_HINT = "The model folder is damaged or incomplete: copy it again (or retrain into a fresh --out folder)."


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_dtype(dtype: str, name: str = "--dtype") -> str:
    if dtype not in DTYPES:
        raise KgeditError(f"Unknown dtype {dtype!r} ({name}).",
                          "Use fp32, bf16 or fp16 (auto: fp32 on a CPU, bf16 on a GPU).")
    return dtype


def resolve_dtype(dtype: str, device):
    """The torch dtype of a --dtype name on `device` (auto: fp32 on a CPU, bf16 on CUDA)."""
    import torch

    check_dtype(dtype)
    if dtype == "auto":
        dtype = "bf16" if device.type == "cuda" else "fp32"
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]


def read_model_config(path: Path) -> dict[str, Any]:
    """config.json of a model folder, its family checked (before any weight is read)."""
    path = Path(path)
    if not path.is_dir():
        raise KgeditError(f"No model folder at {path}.",
                          "Name a model folder with config.json, model.safetensors and tokenizer files "
                          "(a Hugging Face model folder, or the --out folder of kgedit train).")
    file = path / "config.json"
    if not file.is_file():
        raise KgeditError(f"{path} has no config.json; it is not a Hugging Face model folder.",
                          "Name a model folder with config.json, model.safetensors and tokenizer files.")
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KgeditError(f"{file} is not a valid JSON config: {first_line(exc)}", DAMAGED_HINT) from None
    if not isinstance(config, dict):
        raise KgeditError(f"{file} is not a JSON object.", DAMAGED_HINT)
    return config


def check_model_files(path: Path) -> Family:
    """The family of the model in `path`; config.json, family and weight files checked."""
    config = read_model_config(path)
    fam = check_model_type(config.get("model_type"), str(Path(path) / "config.json"))
    if not any((Path(path) / name).is_file() for name in WEIGHTS):
        hint = ("kgedit reads safetensors only (a pickled pytorch_model.bin can run code): convert it with "
                "transformers (model.save_pretrained(folder))." if (Path(path) / "pytorch_model.bin").is_file()
                else DAMAGED_HINT)
        raise KgeditError(f"{path} has no weights ({WEIGHTS[0]}).", hint)
    return fam


def load_tokenizer(path: Path):
    """The folder's fast tokenizer, conformed (conform_tokenizer)."""
    from transformers import AutoTokenizer

    path = Path(path)
    if not any((path / n).is_file() for n in ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model")):
        raise KgeditError(f"No tokenizer files in {path} (tokenizer.json).",
                          "Save the model's tokenizer beside it (tokenizer.save_pretrained), or train one: "
                          "kgedit lm tokenizer --db world.duckdb --out " + str(path))
    try:
        tok = AutoTokenizer.from_pretrained(str(path), use_fast=True)
    except Exception as exc:   # tokenizers reports a malformed file as a bare Exception
        file = path / "tokenizer.json" if (path / "tokenizer.json").is_file() else path / "tokenizer_config.json"
        raise KgeditError(f"{file} could not be read: {first_line(exc)}", DAMAGED_HINT) from None
    return conform_tokenizer(tok, path)


def conform_tokenizer(tok, path: Path):
    """A fast tokenizer with a start (BOS) and a pad token (see the module docstring)."""
    if not getattr(tok, "is_fast", False):
        raise KgeditError(f"The tokenizer in {path} is not a fast (Rust) tokenizer; kgedit needs one.",
                          "Save it as tokenizer.json: AutoTokenizer.from_pretrained(folder).save_pretrained(folder).")
    if tok.eos_token is None and tok.bos_token is None:
        raise KgeditError(f"The tokenizer in {path} has neither a BOS nor an EOS token.",
                          "kgedit starts every text with one; add one to its tokenizer_config.json.")
    if tok.bos_token is None:
        tok.bos_token = tok.eos_token
    if tok.eos_token is None:
        tok.eos_token = tok.bos_token
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(path: Path, dtype=None):
    """The causal LM of a model folder on the CPU (fp32 unless `dtype`); every weight must come from
    the folder (a missing, extra or mis-shaped tensor is an error, never a silently re-initialised one)."""
    import torch
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    path = Path(path)
    check_model_files(path)
    hf_logging.disable_progress_bar()     # no "Loading weights" bar: the CLI owns stderr
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()      # the load report of a broken file would precede our error
    try:
        model, info = AutoModelForCausalLM.from_pretrained(
            str(path), attn_implementation="sdpa", use_safetensors=True, ignore_mismatched_sizes=True,
            output_loading_info=True, dtype=dtype or torch.float32)
    except (OSError, ValueError, RuntimeError, TypeError, KeyError, AttributeError, SafetensorError) as exc:
        raise KgeditError(f"The model in {path} could not be loaded ({WEIGHTS[0]} or config.json is damaged): "
                          f"{first_line(exc)}", DAMAGED_HINT) from None
    finally:
        hf_logging.set_verbosity(verbosity)
    bad = [*info.get("missing_keys", ()), *info.get("unexpected_keys", ()),
           *(k[0] if isinstance(k, tuple) else k for k in info.get("mismatched_keys", ()))]
    if bad:
        raise KgeditError(f"{path / WEIGHTS[0]} does not match config.json: {len(bad)} weights missing, extra or of "
                          f"another shape (e.g. {sorted(bad)[0]}).", DAMAGED_HINT)
    return model


def check_vocabulary(model, tok, path: Path) -> None:
    rows = model.get_input_embeddings().weight.shape[0]
    if len(tok) > rows:
        raise KgeditError(f"The tokenizer in {path} has {len(tok):,} tokens but the model's embedding only {rows:,} "
                          "rows: they do not belong together.", "Put the model's own tokenizer files beside it.")


def load_model_folder(path, device: str = "auto", dtype: str = "auto"):
    """(model in eval mode on `device`, tokenizer) of any supported model folder."""
    from kgedit.lm.checkpoint import resolve_device

    path = Path(path)
    check_model_files(path)
    target = resolve_device(device)
    tok = load_tokenizer(path)
    model = load_model(path, resolve_dtype(dtype, target))
    check_vocabulary(model, tok, path)
    model.to(target).eval()
    return model, tok
