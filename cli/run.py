"""`kgedit run [EXPERIMENT]`: every stage of an experiment file, skipping those whose inputs did not change."""

from __future__ import annotations

import time

import typer

from kgedit.errors import KgeditError

from .common import out, print_error
from .progress import progress_display


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
    from kgedit.distributed import process_group
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
    t0 = time.perf_counter()
    try:
        with process_group(exp["experiment"]["device"]) as ranks, progress_display() as display:
            stages = StageLines(display)
            summary = run_experiment(exp, stages, overwrite=overwrite, ranks=ranks)
            stages.finish()
    except KeyboardInterrupt:
        print_error("Interrupted; finished stages are kept and pretraining and evaluation resume.",
                    "Run the same command again to continue.")
        raise typer.Exit(130) from None
    if not ranks.main:         # under torchrun rank 0 alone reports
        return
    from kgedit.report.tables import render_results

    r = exp["report"]
    for editor, folder in summary.results.items():
        out(f"\n=== editor: {editor} ===")
        out(render_results(folder, match=r["match"], prob=r["prob"], weight=r["weight"], counterfact=False))
    typer.echo(f"Experiment finished in {time.perf_counter() - t0:.0f} s; report: {summary.report.parent}/report.html "
               f"(and report.md); stages run: {', '.join(summary.ran) or 'none'}.", err=True)


class StageLines:
    """The progress display of `kgedit run`, plus a line of its own when a stage is skipped or done (with
    its time). The runner names each task 'stage: what' (kgedit.progress.within)."""

    def __init__(self, display) -> None:
        self._display = display
        self._stage: str | None = None
        self._started: float | None = None     # None: the current stage was skipped

    def __call__(self, what: str, done: int, total: int | None, unit: str = "steps", note: str = "") -> None:
        from kgedit.experiment.runner import SKIPPED

        stage, _, task = what.partition(": ")
        if stage != self._stage:
            self.finish()
            self._stage, self._started = stage, None if task == SKIPPED else time.perf_counter()
        if task == SKIPPED:
            self._display.message(f"  skip  {stage} (unchanged)")
        else:
            self._display(what, done, total, unit, note)

    def finish(self) -> None:
        """The current stage is done."""
        if self._started is not None:
            self._display.message(f"  done  {self._stage} ({time.perf_counter() - self._started:.1f} s)")
            self._started = None
