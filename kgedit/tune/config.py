"""What a tuning run is asked for: each setting's default, help text and check (kept apart from the
search, so the command line reads them without numpy or optuna)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kgedit import checks
from kgedit.settings import setting

TUNABLE = ("bayes", "lora")      # editors with a search space (kgedit.tune.search)
# Where the bayes editor's defaults come from (kgedit.editors.bayes.BayesParams; said in every experiment report).
BAYES_TUNED = ("The bayes editor's defaults were chosen on cases seed 1 (the first 100: kgedit tune, then the "
               "locality span and nearest neighbours compared on the same cases) and reported on held-out cases "
               "of seeds 2 and 3 (300 each, no edited subject of seed 1's 100; README).")


@dataclass(frozen=True)
class TuneConfig:
    model: str = setting(help="Checkpoint folder (kgedit train --out).")
    world_db: str
    editor: str = setting("bayes", help="Editor whose parameters are searched: bayes or lora.")
    cases_seed: int = setting(1, help="Cases seed A: the parameters are searched on cases drawn with it.")
    eval_seeds: tuple[int, ...] = setting((2, 3), help="Cases seed B (repeatable): the chosen setting is "
                                                         "reported on cases drawn with it, minus A's subjects.")
    tune_cases: int = setting(50, help="Cases per trial (the first N of seed A).")
    eval_cases: int = setting(300, help="Held-out cases per evaluation seed.")
    trials: int = setting(8, help="Parameter settings tried (the first is the editor's defaults).")
    budget_s: float | None = setting(None, help="Start no trial after this many seconds of search.")
    seed: int = setting(0, help="Seed of the search and of the editors' random initialisations.")
    baseline: str = setting("lora", help="Editor also evaluated on the held-out cases, for comparison.")
    baseline_params: dict[str, str] = field(default_factory=lambda: {"lr": "1e-3"})
    device: str = setting("auto", help="auto, cpu or cuda.")

    def check(self, name: checks.Namer = checks.option_name) -> None:
        """Every option and the baseline's parameters, before any file is written."""
        from kgedit.editors import check_params
        from kgedit.errors import KgeditError
        from kgedit.lm.checkpoint import check_device

        if self.editor not in TUNABLE:
            raise KgeditError(f"{name('editor')} {self.editor!r} has no search space.",
                              f"Tune one of: {', '.join(TUNABLE)}.")
        checks.seed(name("cases_seed"), self.cases_seed)
        if not self.eval_seeds:
            raise KgeditError(f"{name('eval_seeds')} needs at least one seed.", "For example: --eval-seed 2")
        for s in self.eval_seeds:
            checks.seed(name("eval_seeds"), s)
        if self.cases_seed in self.eval_seeds:
            raise KgeditError(f"The evaluation seed {self.cases_seed} is also the tuning seed.",
                              "Report on cases drawn with another seed than the one tuned on.")
        checks.integer(name("tune_cases"), self.tune_cases, low=1)
        checks.integer(name("eval_cases"), self.eval_cases, low=1)
        checks.integer(name("trials"), self.trials, low=1)
        if self.budget_s is not None:
            checks.finite(name("budget_s"), self.budget_s, low=0, low_open=True)
        checks.seed(name("seed"), self.seed)
        check_params(self.baseline, self.baseline_params)
        check_device(self.device, name("device"))
