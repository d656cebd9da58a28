"""Progress of long commands on stderr, drawn from the library's one callback (kgedit.progress.Progress).

On a terminal: a rich bar (task, bar, done/total, elapsed, time left, note). Anywhere else (a log file,
a Slurm job, nohup, CI) plain lines: one when a task starts, then at most one every
KGEDIT_PROGRESS_INTERVAL seconds (default 30) as reports arrive, and one when the task reaches its
total, each with done/total, and, once measurable, the rate and the time left (ETA).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from kgedit.errors import KgeditError

INTERVAL_VARIABLE = "KGEDIT_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 30.0


class PlainLines:
    """Progress as plain lines on `stream`; `clock` (seconds) decides when the next line is due. A
    task's last report that was not written (too soon after the previous line) is written when the
    next task starts or at close, so every task ends on a line that says where it got to."""

    def __init__(self, stream: TextIO, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream, self._interval, self._clock = stream, interval, clock
        self._what: str | None = None
        self._started = self._last = 0.0
        self._first_done, self._finished = 0, False
        self._pending: tuple | None = None    # the last report not written yet

    def __call__(self, what: str, done: int, total: int | None, unit: str = "steps", note: str = "") -> None:
        now, finished = self._clock(), total is not None and done >= total
        report = (what, done, total, unit, note, now)
        if what != self._what:
            self.close()
            self._what, self._started, self._first_done, self._finished = what, now, done, False
        elif self._finished:
            return
        elif not finished and now - self._last < self._interval:
            self._pending = report
            return
        self._write(report)

    def close(self) -> None:
        if self._pending is not None:
            self._write(self._pending)

    def message(self, text: str) -> None:
        """A line of its own (a stage done, a summary), after the current task's last report."""
        self.close()
        self._line(text)

    def _write(self, report: tuple) -> None:
        what, done, total, unit, note, at = report
        elapsed = at - self._started
        rate = (done - self._first_done) / elapsed if elapsed > 0 and done > self._first_done else None
        self._last, self._finished, self._pending = at, total is not None and done >= total, None
        self._line(describe(what, done, total, unit, note, elapsed=elapsed, rate=rate))

    def _line(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()


class Bar:
    """Progress as one rich bar, a new one (rate and time left too) for each new task."""

    def __init__(self, bar) -> None:
        self._bar, self._what, self._task = bar, None, None

    def __call__(self, what: str, done: int, total: int | None, unit: str = "steps", note: str = "") -> None:
        if what == self._what:
            self._bar.update(self._task, total=total, completed=done, note=note)
            return
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._what = what
        self._task = self._bar.add_task(what, total=total, completed=done, unit=unit, note=note)

    def message(self, text: str) -> None:
        """A line of its own above the bar."""
        self._bar.console.print(text, markup=False, highlight=False)


def describe(what: str, done: int, total: int | None, unit: str, note: str, *, elapsed: float,
             rate: float | None) -> str:
    """One plain progress line, e.g. 'lm: pretraining tiny: 150/1,000 steps (15%), 5.0 steps/s,
    ETA 2m 50s, 30 s elapsed; loss 3.214'. The rate and ETA appear once the task has moved since
    its first report; a finished task says how long it took."""
    parts = []
    if total is not None:
        parts.append(f"{done:,}/{total:,} {unit}" + (f" ({100 * done / total:.0f}%)" if total > 0 else ""))
    elif done:
        parts.append(f"{done:,} {unit}")
    finished = total is not None and done >= total
    if rate is not None:
        parts.append(f"{_number(rate)} {unit}/s")
        if not finished and total is not None:
            parts.append(f"ETA {duration((total - done) / rate)}")
    if elapsed > 0:
        parts.append(f"in {duration(elapsed)}" if finished else f"{duration(elapsed)} elapsed")
    line = what + (": " + ", ".join(parts) if parts else "")
    return line + (f"; {note}" if note else "")


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def _number(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 1 else f"{x:.2g}"


def interval() -> float:
    """Seconds between plain progress lines: KGEDIT_PROGRESS_INTERVAL, or 30."""
    text = os.environ.get(INTERVAL_VARIABLE, "").strip()
    if not text:
        return DEFAULT_INTERVAL
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise KgeditError(f"{INTERVAL_VARIABLE}={text!r} is not a number of seconds.",
                          f"Set it to 0 seconds or more (0: a line for every report), or unset it for the "
                          f"default {DEFAULT_INTERVAL:.0f}.")
    return value


@contextmanager
def progress_display(stream: TextIO | None = None) -> Iterator[PlainLines | Bar]:
    """The progress callback of a command (with `.message(text)` for lines of its own), drawing on
    `stream` (default: stderr): a bar on a terminal, plain lines elsewhere."""
    stream, seconds = sys.stderr if stream is None else stream, interval()
    if not stream.isatty():
        lines = PlainLines(stream, seconds)
        try:
            yield lines
        finally:
            lines.close()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[unit]}", markup=False), TimeElapsedColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[note]}", markup=False))
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        yield Bar(bar)


def resumable(run: Callable, out_dir, what: str):
    """run(progress) under the progress display; Ctrl-C says the finished `what` are kept in out_dir and
    ends with status 130 (the commands whose reruns continue: evaluate, tune)."""
    import typer

    from .common import print_error

    try:
        with progress_display() as progress:
            return run(progress)
    except KeyboardInterrupt:
        print_error(f"Interrupted; every finished {what} is saved in {out_dir}.",
                    "Run the same command again to continue where it stopped.")
        raise typer.Exit(130) from None
