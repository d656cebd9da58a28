"""`kgedit run [EXPERIMENT]`: every stage of an experiment file, skipping those whose inputs did not change."""

from __future__ import annotations


import typer

from kgedit.errors import KgeditError

from .common import out, print_error


def run_command(
    experiment: str = typer.Argument(None, help="Experiment TOML file, or a built-in name: "
                                                "default (when left out) or paper."),
    out_dir: str = typer.Option(None, "--out", help="Experiment folder (default: the out key of the "
                                                    "file's experiment section)."),
    show: str = typer.Option(None, "--show", help="Print a built-in experiment file (default or paper) and exit."),
    dry_run: bool = typer.Option(False, "--plan", help="Print which stages would run, and run nothing."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Let the run replace files and folders in the "
                                   "experiment folder that an earlier run did not write (world.duckdb, ckpt, "
                                   "results, report)."),
) -> None:
    """Run an experiment: world, corpus, Bayes fit, cases, LM, one evaluation per editor, report."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kgedit.experiment.config import BUILT_IN, built_in_text, load_experiment
    from kgedit.experiment.runner import check_out, plan, run_experiment

    if show is not None:
        if show not in BUILT_IN:
            raise KgeditError(f"No built-in experiment {show!r}.", "Built-in experiments: " + ", ".join(BUILT_IN))
        out(built_in_text(show))
        return
    exp = load_experiment(experiment).with_out(out_dir)
    if dry_run:
        for stage, runs in plan(exp, overwrite=overwrite):
            out(f"{'run ' if runs else 'skip'}  {stage}")
        return
    check_out(exp, overwrite=overwrite)    # before the progress bar takes the terminal
    console = Console(stderr=True)
    started: dict[str, float] = {}
    columns = (TextColumn("[bold]{task.fields[stage]}[/bold] {task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    t0 = time.perf_counter()
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("", total=None, stage="")
            current = {"stage": None}

            def progress(stage: str, what: str, done: float, total: float | None) -> None:
                if current["stage"] != stage:
                    if current["stage"] is not None and current["stage"] in started:
                        console.print(f"  done  {current['stage']} ({time.perf_counter() - started[current['stage']]:.1f} s)")
                    current["stage"] = stage
                    if what == "unchanged, skipped":
                        console.print(f"  skip  {stage} (unchanged)")
                    else:
                        started[stage] = time.perf_counter()
                bar.update(task, description=what, completed=done, total=total, stage=stage)

            summary = run_experiment(exp, progress, overwrite=overwrite)
            if current["stage"] in started:
                console.print(f"  done  {current['stage']} ({time.perf_counter() - started[current['stage']]:.1f} s)")
    except KeyboardInterrupt:
        print_error("Interrupted; finished stages are kept and pretraining and evaluation resume.",
                    "Run the same command again to continue.")
        raise typer.Exit(130) from None
    from kgedit.report.tables import render_results

    r = exp["report"]
    for editor, folder in summary.results.items():
        out(f"\n=== editor: {editor} ===")
        out(render_results(folder, match=r["match"], prob=r["prob"], weight=r["weight"], counterfact=False))
    console.print(f"Experiment finished in {time.perf_counter() - t0:.0f} s; report: {summary.report.parent}/report.html "
                  f"(and report.md); stages run: {', '.join(summary.ran) or 'none'}.")
