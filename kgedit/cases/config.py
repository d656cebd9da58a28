"""The cases stage's config: each setting's default, help text and check (kept apart from build.py, so
the command line reads them without numpy)."""

from __future__ import annotations

from dataclasses import dataclass

from kgedit import checks
from kgedit.bayes.edits import DEFAULT_TARGET, DEFAULT_WEIGHT, check_target, check_weight
from kgedit.settings import setting

DEFAULT_CASES = 5000


@dataclass(frozen=True)
class CasesConfig:
    n: int = setting(DEFAULT_CASES, help="Number of cases (distinct corpus subjects).")
    seed: int = setting(0, help="Seed of the cases stage's random generator.")
    target: float = setting(DEFAULT_TARGET, help="Probability the direct belief must reach (defines n').")
    weight: float = setting(DEFAULT_WEIGHT, help="The fixed edit weight n.")

    def check(self, name: checks.Namer = checks.option_name) -> None:
        checks.integer(name("n"), self.n, low=1, hint=f"The paper uses {DEFAULT_CASES}.")
        checks.seed(name("seed"), self.seed)
        check_target(self.target, name("target"))
        check_weight(self.weight, name("weight"))
