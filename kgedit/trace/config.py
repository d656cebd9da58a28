"""What a causal trace is asked for: each setting's default, help text and check (kept apart from the
torch code, so the command line and the experiment file read them without torch)."""

from __future__ import annotations

from dataclasses import dataclass

from kgedit import checks
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import check_device
from kgedit.settings import setting

DEFAULT_FACTS = 100


@dataclass(frozen=True)
class TraceConfig:
    model: str = setting(help="Checkpoint folder (kgedit train --out).")
    world_db: str = setting(help="World database (its corpus facts or cases are traced).")
    cases: int | None = setting(None, help="Trace the first N cases' facts (s1, r1, o*).")
    facts: int | None = setting(None, help=f"Trace a seeded sample of N corpus facts (default: {DEFAULT_FACTS}, "
                                           "unless --cases is given).")
    kind: str = setting("hidden,mlp,attn", help="States to restore: hidden, mlp and/or attn, comma-separated.")
    samples: int = setting(10, help="Noise samples per prompt.")
    noise: float = setting(3.0, help="Noise sigma in standard deviations of the subject-token embeddings.")
    window: int | None = setting(None, help="Layers restored together for mlp/attn (default: ceil(10 x layers / 48)).")
    seed: int = setting(0, help="Seed of the fact sample and the noise.")
    examples: int = setting(3, help="Per-prompt heatmaps drawn (the first traced prompts).")
    device: str = setting("auto", help="auto, cpu or cuda.")
    batch_size: int = setting(512, help="Restored runs (noise sample x cell) per forward pass.")

    @property
    def n_facts(self) -> int | None:
        """How many corpus facts are traced (None: cases are)."""
        return None if self.cases is not None else (self.facts or DEFAULT_FACTS)

    def check(self, name: checks.Namer = checks.option_name) -> None:
        from kgedit.trace.grid import parse_kinds

        if self.cases is not None and self.facts is not None:
            raise KgeditError(f"{name('cases')} and {name('facts')} both choose what is traced.",
                              "Give one of them (neither: a sample of corpus facts).")
        for key in ("cases", "facts", "window"):
            if getattr(self, key) is not None:
                checks.integer(name(key), getattr(self, key), low=1, hint="Leave it out for the default.")
        parse_kinds(self.kind, name("kind"))
        checks.integer(name("samples"), self.samples, low=1, hint="ROME uses 10.")
        checks.finite(name("noise"), self.noise, low=0, hint="ROME uses 3 (0: no corruption, every effect 0).")
        checks.seed(name("seed"), self.seed)
        checks.integer(name("examples"), self.examples, low=0)
        check_device(self.device, name("device"))
        checks.integer(name("batch_size"), self.batch_size, low=1, hint="The default is 512.")
