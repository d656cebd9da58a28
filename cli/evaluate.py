"""`kgedit evaluate` (edit every case, score before and after) and `kgedit report` (print the tables)."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit.errors import KgeditError
from kgedit.evaluate.config import EvalConfig, TableOptions

from .common import DbOption, OutputFormat, option, out, print_error
from .progress import progress_display, resumable

MatchOption = option(TableOptions, "match")
ProbOption = option(TableOptions, "prob")
WeightOption = option(TableOptions, "weight")
PaperOption = typer.Option(False, "--paper", help="Print the paper's Tables 4/5 beside ours.")


def _parse_sets(values: list[str]) -> dict[str, str]:
    params = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise KgeditError(f"--set expects key=value, got {item!r}.", "For example: --set steps=80 --set lr=1e-3")
        params[key.strip()] = value.strip()
    return params


def evaluate_command(
    model: Path = option(EvalConfig, "model"),
    db_path: Path = DbOption,
    editor: str = option(EvalConfig, "editor"),
    cases: int = option(EvalConfig, "cases"),
    device: str = option(EvalConfig, "device"),
    dtype: str = option(EvalConfig, "dtype"),
    out_dir: Path = typer.Option(Path("results"), "--out", help="Results folder (resumed when it exists)."),
    sets: list[str] = typer.Option([], "--set", help="Editor parameter key=value (repeatable), e.g. steps=80."),
    seed: int = option(EvalConfig, "seed"),
    batch_size: int = option(EvalConfig, "batch_size"),
    trace: bool = option(EvalConfig, "trace"),
    parallel_edits: int = option(EvalConfig, "parallel_edits", metavar="B"),
    sequential: str = typer.Option(None, "--sequential", metavar="N1,N2,…",
                                   help="Apply the first edits cumulatively (no reset) and measure held-out accuracy "
                                        "after each count, e.g. 1,10,50,100,500,1000 (Li et al.'s degradation curve)."),
    match: str = MatchOption, prob: str = ProbOption, weight: str = WeightOption, paper: bool = PaperOption,
) -> None:
    """Edit every case with the editor, measure the LM before and after, print Tables 4/5 and the
    CounterFact scores (or, with --sequential, the degradation curve)."""
    from kgedit.distributed import process_group
    from kgedit.evaluate.config import EvalConfig
    from kgedit.evaluate.run import evaluate
    from kgedit.evaluate.tables import check_options
    from kgedit.report.tables import render_results

    check_options(match, prob, weight)
    if sequential is not None:
        _sequential(model, db_path, editor, sets, sequential, seed, device, batch_size, out_dir)
        return
    config = EvalConfig(model=str(model), world_db=str(db_path), editor=editor, editor_params=_parse_sets(sets),
                        cases=cases, seed=seed, device=device, dtype=dtype, batch_size=batch_size, trace=trace,
                        parallel_edits=parallel_edits)
    config.check()      # before the progress bar: a bad option is one clean error
    with process_group(device) as ranks:
        summary = resumable(lambda progress: evaluate(config, out_dir, progress=progress, ranks=ranks), out_dir, "case")
    if not ranks.main:         # under torchrun rank 0 alone reports
        return
    resumed = f", {summary.resumed_cases} from an earlier run" if summary.resumed_cases else ""
    parallel = f", {summary.parallel_edits} edits at a time" if summary.parallel_edits > 1 else ""
    typer.echo(f"{summary.n_done} cases evaluated{resumed} in {summary.wall_seconds:.1f} s "
               f"(edits {summary.edit_seconds:.1f} s{parallel}, pre-edit scoring {summary.pre_seconds:.1f} s); "
               f"results in {out_dir}/", err=True)
    out(render_results(out_dir, match=match, prob=prob, weight=weight, paper=paper))


def _sequential(model: Path, db_path: Path, editor: str, sets: list[str], counts: str, seed: int, device: str,
                batch_size: int, out_dir: Path) -> None:
    from kgedit.distributed import ranks_from_env
    from kgedit.evaluate.sequential import SequentialConfig, parse_checkpoints, run_sequential
    from kgedit.report.tables import render_sequential

    config = SequentialConfig(model=str(model), world_db=str(db_path), checkpoints=parse_checkpoints(counts),
                              editor=editor, editor_params=_parse_sets(sets), seed=seed, device=device,
                              batch_size=batch_size)
    config.check()
    ranks = ranks_from_env()
    if not ranks.main:         # one model edited in order: nothing to share out
        typer.echo(f"Rank {ranks.rank}: --sequential edits one model in order; rank 0 runs it, this rank exits.",
                   err=True)
        return
    try:
        with progress_display() as progress:
            result = run_sequential(config, out_dir, progress=progress)
    except KeyboardInterrupt:
        print_error("Interrupted; a sequential run keeps nothing half-done.", "Run the same command again.")
        raise typer.Exit(130) from None
    typer.echo(f"{result['runtime_per_edit']['n']} cumulative edits in {result['wall_seconds']:.1f} s; "
               f"results and degradation.png in {out_dir}/", err=True)
    out(render_sequential(result))


def report_command(
    results: list[Path] = typer.Argument(..., help="Results folder of kgedit evaluate (several with --compare)."),
    compare: bool = typer.Option(False, "--compare", help="Editors side by side: one row per results folder."),
    split: str = typer.Option("all_edit_requests", "--split",
                              help="With --compare: all_edit_requests, downstream_answer_changes or fixing_errors."),
    match: str = MatchOption, prob: str = ProbOption, weight: str = WeightOption, paper: bool = PaperOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Re-print an evaluation's tables (any match / probability / weight variant), or compare several."""
    from kgedit.evaluate.tables import check_options

    check_options(match, prob, weight)
    if compare:
        from kgedit.evaluate.compare import compare_rows
        from kgedit.report.tables import render_compare

        rows = compare_rows(results, split=split, match=match, prob=prob, weight=weight)
        out(render_compare(rows, split, fmt=fmt.value))
        return
    if len(results) > 1:
        raise KgeditError(f"kgedit report got {len(results)} folders; one, or several with --compare.",
                          "kgedit report --compare " + " ".join(str(r) for r in results))
    from kgedit.evaluate.results import results_path
    from kgedit.evaluate.sequential import SEQUENTIAL_DB, load_sequential
    from kgedit.report.tables import render_results, render_sequential

    folder = results[0]
    if (folder / SEQUENTIAL_DB).is_file() and not results_path(folder).is_file():
        out(render_sequential(load_sequential(folder), fmt=fmt.value))
        return
    out(render_results(folder, match=match, prob=prob, weight=weight, paper=paper, fmt=fmt.value))
