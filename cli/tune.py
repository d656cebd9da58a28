"""`kgedit tune`: search an editor's parameters on cases of one seed, report the choice on held-out cases."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit.settings import setting_of
from kgedit.tune.config import TuneConfig

from .common import DbOption, OutputFormat, option, out
from .evaluate import _parse_sets
from .progress import resumable


def tune_command(
    model: Path = option(TuneConfig, "model"),
    db_path: Path = DbOption,
    editor: str = option(TuneConfig, "editor"),
    cases_seed: int = option(TuneConfig, "cases_seed"),
    eval_seeds: list[int] = typer.Option(list(setting_of(TuneConfig, "eval_seeds").default), "--eval-seed",
                                         help=setting_of(TuneConfig, "eval_seeds").metadata["help"]),
    tune_cases: int = option(TuneConfig, "tune_cases"),
    eval_cases: int = option(TuneConfig, "eval_cases"),
    trials: int = option(TuneConfig, "trials"),
    budget_s: float = option(TuneConfig, "budget_s"),
    seed: int = option(TuneConfig, "seed"),
    baseline: str = option(TuneConfig, "baseline"),
    baseline_sets: list[str] = typer.Option(["lr=1e-3"], "--baseline-set",
                                            help="Baseline editor parameter key=value (repeatable)."),
    device: str = option(TuneConfig, "device"),
    out_dir: Path = typer.Option(Path("tune"), "--out", help="Tuning folder (continued when it exists)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json."),
) -> None:
    """Search the editor's parameters on the first --tune-cases cases of --cases-seed, then evaluate the
    chosen setting and --baseline on each --eval-seed's cases whose edited subjects were never tuned on."""
    from kgedit.report.tables import render_tune
    from kgedit.tune.run import tune

    config = TuneConfig(model=str(model), world_db=str(db_path), editor=editor, cases_seed=cases_seed,
                        eval_seeds=tuple(eval_seeds), tune_cases=tune_cases, eval_cases=eval_cases, trials=trials,
                        budget_s=budget_s, seed=seed, baseline=baseline, baseline_params=_parse_sets(baseline_sets),
                        device=device)
    config.check()
    result = resumable(lambda progress: tune(config, out_dir, progress=progress), out_dir, "trial and case")
    out(render_tune(result, fmt=fmt.value))
