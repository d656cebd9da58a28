"""Checkpoint directories in Hugging Face format, plus kgedit's own config and training state.

    config.json, model.safetensors, generation_config.json   model.save_pretrained
    tokenizer.json, tokenizer_config.json                    tokenizer.save_pretrained
    kgedit.json          preset, seed, token budget, progress, world, package versions
    training_state.pt    optimizer, scheduler, RNG states (for --resume): tensors and plain values only,
                         loaded with torch.load(weights_only=True) so a crafted file runs no code
    training_log.duckdb, training_curves.png                 the pretraining curve (lm.curves)

A save is written to a hidden folder first and moved into place file by file, state last, so an
interrupted save never leaves a kgedit.json that points at weights it does not describe.

Loading goes through kgedit.lm.model_folder (any Hugging Face causal-LM folder): weights from safetensors
only, a missing, truncated or corrupt file a KgeditError that names it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgedit.errors import KgeditError

FORMAT = "kgedit-lm"
KGEDIT_JSON = "kgedit.json"
STATE_FILE = "training_state.pt"
STATE_KEYS = ("optimizer", "scheduler", "rng", "step")


@dataclass
class KgeditConfig:
    """What kgedit knows about a checkpoint beyond the transformers config."""
    preset: dict[str, Any]
    seed: int
    tokens_budget: int
    world_db: str
    step: int = 0
    tokens_seen: int = 0
    total_steps: int = 0
    elapsed_s: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    format: str = FORMAT
    init: str | None = None          # the model folder pretraining continued (kgedit train --init), if any

    @property
    def complete(self) -> bool:
        return self.total_steps > 0 and self.step >= self.total_steps


def package_versions() -> dict[str, str]:
    import tokenizers
    import torch
    import transformers

    from kgedit import __version__
    return {"kgedit": __version__, "torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__}


def is_checkpoint(path: Path) -> bool:
    return (path / KGEDIT_JSON).is_file() and (path / "config.json").is_file()


def read_config(path: Path) -> KgeditConfig:
    path = Path(path)
    if not path.is_dir():
        raise KgeditError(f"No checkpoint directory at {path}.",
                          "Train one first: kgedit train --db world.duckdb --preset tiny --out " + str(path))
    if not is_checkpoint(path):
        raise KgeditError(f"{path} is not a kgedit checkpoint (no {KGEDIT_JSON} and config.json).",
                          "Point at the --out folder of `kgedit train`.")
    try:
        data = json.loads((path / KGEDIT_JSON).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format') if isinstance(data, dict) else None!r}")
        config = KgeditConfig(**data)
        if not isinstance(config.preset, dict) or not isinstance(config.preset.get("name"), str):
            raise ValueError("no preset name")
        return config
    except (OSError, ValueError, TypeError) as exc:
        raise KgeditError(f"{path / KGEDIT_JSON} is not a valid kgedit checkpoint config: {exc}",
                          "Retrain into a fresh --out folder.") from None


def check_device(device: str, name: str = "--device") -> str:
    """A device name torch understands (checked without importing torch): auto, cpu, cuda or cuda:N."""
    if not isinstance(device, str) or not (device in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", device)):
        raise KgeditError(f"Unknown device {device!r} ({name}).", "Use auto, cpu, cuda or cuda:N (auto: CUDA when there is a GPU).")
    return device


def resolve_device(device: str):
    import torch

    check_device(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise KgeditError("CUDA was asked for but torch sees no GPU.", "Use --device cpu (or auto).")
    return torch.device(device)


def load_checkpoint(path: str | os.PathLike[str], device: str = "auto", dtype: str = "fp32"):
    """(model in eval mode, tokenizer, KgeditConfig) from a checkpoint directory (fp32 weights unless
    `dtype`: kgedit.lm.model_folder)."""
    from kgedit.lm.model_folder import load_model_folder

    path = Path(path)
    config = read_config(path)
    model, tok = load_model_folder(path, device, dtype)
    return model, tok, config


def save_checkpoint(path: Path, model, tok, config: KgeditConfig, state: dict[str, Any]) -> None:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()   # library code stays quiet; the CLI owns stderr
    staging = path / ".saving"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model.save_pretrained(str(staging))
    tok.save_pretrained(str(staging))
    torch.save(state, staging / STATE_FILE)
    config.versions = package_versions()
    (staging / KGEDIT_JSON).write_text(json.dumps(config.__dict__, indent=2, sort_keys=True), encoding="utf-8")
    last = [STATE_FILE, KGEDIT_JSON]
    for name in sorted(os.listdir(staging), key=lambda n: (n in last, last.index(n) if n in last else 0, n)):
        os.replace(staging / name, path / name)
    staging.rmdir()


def load_training_state(path: Path) -> dict[str, Any]:
    """The saved optimizer, scheduler, RNG states and step. Only tensors and plain values are read
    (weights_only=True): a file holding anything else, crafted or damaged, is refused unread."""
    import pickle

    import torch

    from kgedit.lm.model_folder import first_line

    file = path / STATE_FILE
    if not file.is_file():
        raise KgeditError(f"{path} has no {STATE_FILE}; it cannot be resumed.", "Start a new training with another --out.")
    try:
        state = torch.load(file, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:   # torch's message advises weights_only=False: not advice to pass on
        raise KgeditError(f"{file} is damaged or holds objects other than tensors and plain values; kgedit does "
                          "not load it (nothing in it was run).",
                          "It was not written by this kgedit, or was altered: start a new training with another "
                          "--out.") from None
    except (OSError, RuntimeError, EOFError, ValueError) as exc:
        raise KgeditError(f"{file} is damaged: {first_line(exc)}", "Start a new training with another --out.") from None
    missing = [k for k in STATE_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise KgeditError(f"{file} lacks {', '.join(missing)}; it is not a kgedit training state.",
                          "Start a new training with another --out.")
    return state
