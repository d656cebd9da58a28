"""The pretraining stage's config: each setting's default, help text and check (kept apart from
train.py, so the command line reads them without numpy or torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgedit import checks
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import check_device
from kgedit.lm.model_folder import check_model_files
from kgedit.lm.presets import Preset
from kgedit.settings import setting


@dataclass(frozen=True)
class TrainConfig:
    preset: Preset = setting(help="tiny, small, mistral-83m or mistral-162m.")   # by name: DEFAULT_PRESET
    tokens: int | None = setting(None, help="Token budget (default: the preset's).")
    seed: int = setting(0, help="Seed for initialisation, data order and probe sample.")
    device: str = setting("auto", help="auto, cpu or cuda.")
    init: str | None = setting(None, help="Continue pretraining this model folder (any supported Hugging Face "
                                          "causal LM) with its own tokenizer; the preset gives the schedule.")
    n_probe_facts: int = 300
    n_probe_sentences: int = 100         # per kind (tf, not, and, or)
    eval_every_tokens: int | None = None
    save_every_tokens: int | None = None

    def check(self, name: checks.Namer = checks.option_name) -> None:
        """Every number before any work: a token budget of 0 or less is an error (leave it out for the
        preset's budget), not a silent default or a one-step run."""
        hints = {"tokens": f"Leave it out for the preset's ({self.preset.tokens:,} tokens for {self.preset.name}).",
                 "eval_every_tokens": f"Leave it out for the preset's ({self.preset.eval_every_tokens:,}).",
                 "save_every_tokens": f"Leave it out for the preset's ({self.preset.save_every_tokens:,})."}
        for key, hint in hints.items():
            if getattr(self, key) is not None:
                checks.integer(name(key), getattr(self, key), low=1, hint=hint)
        checks.seed(name("seed"), self.seed)
        check_device(self.device, name("device"))
        if self.init is not None:
            if not isinstance(self.init, str) or not self.init.strip():
                raise KgeditError(f"{name('init')} must name a model folder (got {self.init!r}).",
                                  "Leave it out to pretrain a new model from scratch.")
            check_model_files(Path(self.init))    # config.json, family and weight files, before any work
        checks.integer(name("n_probe_facts"), self.n_probe_facts, low=1)
        checks.integer(name("n_probe_sentences"), self.n_probe_sentences, low=1)
