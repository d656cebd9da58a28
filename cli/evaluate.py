"""`kgedit evaluate` (edit every case, score before and after) and `kgedit report` (print the tables)."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit.errors import KgeditError

from .common import DbOption, OutputFormat, out, print_error

MatchOption = typer.Option("exact", "--match", help="Generative accuracy: exact (SPEC) or contains (orig).")
ProbOption = typer.Option("raw", "--prob", help="p_LM: raw (full vocabulary) or norm (over the relation's objects).")
WeightOption = typer.Option("n_prime", "--weight", help="Bayesian targets after weight n_prime (paper) or n.")
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
    model: Path = typer.Option(..., "--model", help="Checkpoint folder (kgedit train --out)."),
    db_path: Path = DbOption,
    editor: str = typer.Option("lora", "--editor", help="Editing method."),
    cases: int = typer.Option(None, "--cases", help="Evaluate the first N cases [default: all]."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    out_dir: Path = typer.Option(Path("results"), "--out", help="Results folder (resumed when it exists)."),
    sets: list[str] = typer.Option([], "--set", help="Editor parameter key=value (repeatable), e.g. steps=80."),
    seed: int = typer.Option(0, "--seed", help="Seed of the editors' random initialisations."),
    batch_size: int = typer.Option(64, "--batch-size", help="Scoring batch size."),
    trace: bool = typer.Option(False, "--trace", help="Keep per-step edit traces (loss, p(target)) in the results."),
    match: str = MatchOption, prob: str = ProbOption, weight: str = WeightOption, paper: bool = PaperOption,
) -> None:
    """Edit every case with the editor, measure the LM before and after, print Tables 4/5."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from kgedit.evaluate.report import render_tables, write_outputs
    from kgedit.evaluate.run import EvalConfig, evaluate, open_results
    from kgedit.evaluate.tables import check_options, compute_tables

    check_options(match, prob, weight)
    config = EvalConfig(model=str(model), world_db=str(db_path), editor=editor, editor_params=_parse_sets(sets),
                        cases=cases, seed=seed, device=device, batch_size=batch_size, trace=trace)
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("loading", total=None)

            def progress(phase: str, done: int, total: int) -> None:
                bar.update(task, description=phase, completed=done, total=total)

            summary = evaluate(config, out_dir, progress=progress)
    except KeyboardInterrupt:
        print_error("Interrupted; every finished case is saved in " + str(out_dir) + ".",
                    "Run the same command again to continue where it stopped.")
        raise typer.Exit(130) from None
    write_outputs(out_dir, {"pre_seconds": summary.pre_seconds, "wall_seconds_last_run": summary.wall_seconds})
    resumed = f", {summary.resumed_cases} from an earlier run" if summary.resumed_cases else ""
    console.print(f"{summary.n_done} cases evaluated{resumed} in {summary.wall_seconds:.1f} s "
                  f"(edits {summary.edit_seconds:.1f} s, pre-edit scoring {summary.pre_seconds:.1f} s); "
                  f"results in {out_dir}/")
    con = open_results(out_dir)
    try:
        tables = compute_tables(con, match=match, prob=prob, weight=weight)
    finally:
        con.close()
    out(render_tables(tables, paper=paper))


def report_command(
    results: Path = typer.Argument(..., help="Results folder of kgedit evaluate."),
    match: str = MatchOption, prob: str = ProbOption, weight: str = WeightOption, paper: bool = PaperOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Re-print Tables 4/5 of an evaluation (any match / probability / weight variant)."""
    from kgedit.evaluate.report import render_tables
    from kgedit.evaluate.run import open_results
    from kgedit.evaluate.tables import check_options, compute_tables

    check_options(match, prob, weight)
    con = open_results(results)
    try:
        tables = compute_tables(con, match=match, prob=prob, weight=weight)
    finally:
        con.close()
    out(render_tables(tables, paper=paper, fmt=fmt.value))
