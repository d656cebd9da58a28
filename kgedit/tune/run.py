"""`kgedit tune`: build the held-out case sets (kgedit.tune.case_sets), search the editor's parameters
on the tuning cases (kgedit.tune.search; every trial is a `kgedit evaluate` run in out/trials/NNN),
then evaluate the chosen setting and the baseline editor on every evaluation seed's held-out cases
(out/heldout/seed<B>/<editor>) and write out/tune.json and out/tradeoff.png.

Everything is a results folder of kgedit.evaluate, so an interrupted run continues where it stopped
when the same command is run again (the same config gives the same trials), and `kgedit report` reads
any trial or held-out folder.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kgedit.evaluate.config import EvalConfig
from kgedit.progress import Progress, within
from kgedit.tune.config import TuneConfig

TUNE_JSON = "tune.json"
TRADEOFF_PNG = "tradeoff.png"


def tune(config: TuneConfig, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Run (or continue) a tuning run into `out`; returns what tune.json holds."""
    from kgedit.editors import check_params
    from kgedit.report.plots import plot_tradeoff
    from kgedit.report.render import to_json
    from kgedit.tune import search
    from kgedit.tune.case_sets import build_case_sets

    config.check()
    out = Path(out)
    start = time.perf_counter()
    sets = build_case_sets(config, out, progress)
    space = search.SPACES[config.editor]
    first = search.defaults(check_params(config.editor, {}), space)
    done = 0

    def run_trial(number: int, params: dict[str, Any]) -> search.TrialScore:
        nonlocal done
        if progress:
            progress("searching", done, config.trials, "trials")
        evaluation = EvalConfig(model=config.model, world_db=str(sets.tune_db), editor=config.editor,
                                editor_params=_as_text(params), cases=config.tune_cases, seed=config.seed,
                                device=config.device)
        tables = _evaluate(evaluation, out / "trials" / f"{number:03d}", within(progress, f"trial {number}"))
        done += 1
        return search.score(tables)

    trials = search.search(space, first, run_trial, trials=config.trials, budget_s=config.budget_s, seed=config.seed)
    search_seconds = time.perf_counter() - start
    scores = [s for _, s in trials]
    chosen = search.choose(scores)
    held_out = _held_out(config, sets.eval_dbs, chosen, trials[chosen][0], out, progress)
    result = {
        "config": asdict(config), "case_sets": sets.as_dict(), "goal": {"maximised": list(search.GOAL),
                                                                       "constraints": list(search.CONSTRAINTS)},
        "seeds": {"tuned": config.cases_seed, "reported": list(config.eval_seeds), "editor": config.seed},
        "trials": [{"number": i, "params": p, "goal": s.goal, "constraints": list(s.constraints),
                    "feasible": s.feasible, "neighbour_drop": s.neighbour_drop} for i, (p, s) in enumerate(trials)],
        "chosen": {"trial": chosen, "params": trials[chosen][0], "feasible": scores[chosen].feasible},
        "held_out": held_out, "seconds": {"search": search_seconds, "total": time.perf_counter() - start},
    }
    plot_tradeoff([s.neighbour_drop for s in scores], [s.goal for s in scores], [s.feasible for s in scores],
                  chosen, out / TRADEOFF_PNG, title=f"{config.editor}: {config.tune_cases} tuning cases, seed "
                                                   f"{config.cases_seed}")
    (out / TUNE_JSON).write_text(to_json(result, sort_keys=True, ensure_ascii=True), encoding="utf-8")
    return result


def _held_out(config: TuneConfig, eval_dbs: dict[int, Path], chosen: int, params: dict[str, Any], out: Path,
              progress: Progress | None) -> dict[str, Any]:
    """The chosen setting and the baseline on every evaluation seed's first `eval_cases` held-out cases,
    in out/heldout/seed<B>/<editor>-trial<NNN> and .../<baseline> (a longer search that chooses another
    trial adds its own folder)."""
    runs = {config.editor: (_as_text(params), f"{config.editor}-trial{chosen:03d}"),
            config.baseline: (dict(config.baseline_params), config.baseline)}
    held: dict[str, Any] = {}
    for seed, world in sorted(eval_dbs.items()):
        for editor, (editor_params, name) in runs.items():
            folder = out / "heldout" / f"seed{seed}" / name
            evaluation = EvalConfig(model=config.model, world_db=str(world), editor=editor, editor_params=editor_params,
                                    cases=config.eval_cases, seed=config.seed, device=config.device)
            tables = _evaluate(evaluation, folder, within(progress, f"held-out seed {seed} {editor}"))
            held.setdefault(str(seed), {})[editor] = {"folder": str(folder), "params": editor_params,
                                                      "tables": [t.as_dict() for t in tables]}
    return held


def _evaluate(config: EvalConfig, folder: Path, progress: Progress | None):
    from kgedit.evaluate.results import open_results
    from kgedit.evaluate.run import evaluate
    from kgedit.evaluate.tables import compute_tables

    evaluate(config, folder, progress=progress)
    con = open_results(folder)
    try:
        return compute_tables(con)
    finally:
        con.close()


def _as_text(params: dict[str, Any]) -> dict[str, str]:
    """Editor parameters as `--set` gives them (kgedit.editors.parse_params reads them back exactly)."""
    return {k: repr(v) if isinstance(v, float) else str(v) for k, v in sorted(params.items())}
