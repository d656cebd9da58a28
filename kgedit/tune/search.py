"""The parameter search of `kgedit tune`: each editor's search space, the goal and constraints read
from a trial's Tables 4/5, and optuna's TPE sampler with those constraints (optuna is imported here only).

Goal (maximised): post-edit s1r2 generative accuracy on the downstream-answer-change split — the edit
carried to its consequence. Constraints (a trial is feasible when every value is <= 0), on the split of
all edit requests: s1r1 post-edit accuracy >= 0.95; s2r1 and s2r2 accuracy at most 1 point below the
unedited model's on the same post-edit targets (the tables' "no edit" row: the neighbours' targets
are Bayesian modes that move with the edit and differ from the corpus ground truth of the pre row,
so against pre no editor, not even one that changes nothing, could meet it); s1r1 coherence not
above pre-edit. The chosen trial is the feasible one with the highest
goal (ties: the earlier trial); with none feasible, the one closest to feasible (smallest summed
violation), and the run says the goal was not met.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kgedit.evaluate.tables import SplitTable

GOAL = ("downstream_answer_changes", "acc_s1r2")
CONSTRAINTS = ("s1r1 acc >= 0.95", "s2r1 drop vs no edit <= 0.01", "s2r2 drop vs no edit <= 0.01", "s1r1 coh <= pre")

# name -> (kind, low/choices, high, log); kinds: float, int (with a step in place of log), choice.
# The ranges keep a trial's cost within ~2x of the defaults' (steps, rank, locality prompts: a locality
# prompt is one short row, a case has ~60 candidate rows; early stopping cuts the steps): on a shared
# 2-core CPU one bayes edit costs seconds, and the search is budgeted in trials x cases.
SPACES: dict[str, dict[str, tuple]] = {
    "bayes": {
        "lr": ("float", 3e-4, 1e-2, True),
        "steps": ("int", 20, 80, 10),
        "rank": ("choice", (1, 2)),
        "fact_weight": ("float", 0.5, 4.0, True),
        "partner_weight": ("float", 0.5, 16.0, True),
        "tf_weight": ("float", 0.0, 2.0, False),
        "locality_weight": ("float", 0.1, 30.0, True),
        "locality_prompts": ("int", 4, 48, 4),
        "locality_span": ("choice", ("next", "answer")),
        "hard_prompts": ("int", 0, 32, 8),
        "subject_prompts": ("int", 0, 6, 2),
        "stop_kl": ("choice", (0.0, 0.02, 0.05, 0.1, 0.2)),
    },
    "lora": {
        "lr": ("float", 1e-4, 1e-2, True),
        "steps": ("int", 20, 80, 10),
        "rank": ("choice", (1, 2, 4)),
    },
}


@dataclass(frozen=True)
class TrialScore:
    goal: float
    constraints: tuple[float, ...]

    @property
    def feasible(self) -> bool:
        return all(c <= 0 for c in self.constraints)

    @property
    def violation(self) -> float:
        return sum(max(c, 0.0) for c in self.constraints)

    @property
    def neighbour_drop(self) -> float:
        """The larger of the s2r1 and s2r2 accuracy drops against the unedited model (the trade-off curve's x)."""
        return max(self.constraints[1], self.constraints[2]) + 0.01


def score(tables: list[SplitTable]) -> TrialScore:
    """Goal and constraint values of one evaluation's tables (an empty split counts as 0 / violated)."""
    by = {t.split: t for t in tables}
    goal = by[GOAL[0]].post[GOAL[1]]
    a = by["all_edit_requests"]
    values = (0.95 - a.post["acc_s1r1"], a.unedited["acc_s2r1"] - a.post["acc_s2r1"] - 0.01,
              a.unedited["acc_s2r2"] - a.post["acc_s2r2"] - 0.01, a.post["coh_s1r1"] - a.pre["coh_s1r1"])
    return TrialScore(0.0 if math.isnan(goal) else goal, tuple(1.0 if math.isnan(v) else v for v in values))


def choose(scores: list[TrialScore]) -> int:
    """Index of the chosen trial (see the module doc)."""
    feasible = [i for i, s in enumerate(scores) if s.feasible]
    if feasible:
        return max(feasible, key=lambda i: (scores[i].goal, -i))
    return min(range(len(scores)), key=lambda i: (scores[i].violation, -scores[i].goal, i))


def defaults(editor_params: Any, space: dict[str, tuple]) -> dict[str, Any]:
    """The editor's default value of every searched parameter (the first trial)."""
    return {name: getattr(editor_params, name) for name in space}


def search(space: dict[str, tuple], first: dict[str, Any], run_trial: Callable[[int, dict[str, Any]], TrialScore],
           *, trials: int, budget_s: float | None, seed: int) -> list[tuple[dict[str, Any], TrialScore]]:
    """Up to `trials` settings (the first is `first`), sampled by TPE with the constraints, until
    `budget_s` seconds have passed; every finished trial's (params, score) in order."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(1, min(10, trials // 3)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(first)
    done: list[tuple[dict[str, Any], TrialScore]] = []

    def objective(trial) -> float:
        params = {name: _suggest(trial, name, spec) for name, spec in space.items()}
        result = run_trial(trial.number, params)
        for name, value in zip(CONSTRAINTS, result.constraints):   # TPE samples toward feasible settings
            trial.set_constraint(name, value)
        done.append((params, result))
        return result.goal

    study.optimize(objective, n_trials=trials, timeout=budget_s)
    return done


def _suggest(trial, name: str, spec: tuple) -> Any:
    kind = spec[0]
    if kind == "choice":
        return trial.suggest_categorical(name, list(spec[1]))
    if kind == "int":
        return trial.suggest_int(name, spec[1], spec[2], step=spec[3])
    # 3 significant digits: a chosen setting reads as a default (the trial runs the rounded value)
    return float(f"{trial.suggest_float(name, spec[1], spec[2], log=spec[3]):.3g}")
