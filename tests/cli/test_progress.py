"""Progress on stderr: a bar on a terminal; elsewhere plain lines at a task's start, every
KGEDIT_PROGRESS_INTERVAL seconds while it runs (with rate and ETA) and at its end. Times come from a
fake clock, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import io

import pytest

from cli.progress import PlainLines, describe, duration, interval, progress_display
from kgedit.errors import KgeditError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def plain(seconds: float = 30.0) -> tuple[PlainLines, io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    return PlainLines(stream, seconds, clock), stream, clock


def test_plain_lines_at_start_every_interval_with_rate_and_eta_and_at_the_end():
    lines, stream, clock = plain(30)
    for t, step in [(0, 0), (10, 10), (29, 29), (30, 30), (45, 45), (61, 61), (100, 100)]:
        clock.now = t
        lines("pretraining tiny", step, 100, "steps", f"loss {10 - step / 20:.2f}")
    assert stream.getvalue().splitlines() == [
        "pretraining tiny: 0/100 steps (0%); loss 10.00",
        "pretraining tiny: 30/100 steps (30%), 1.0 steps/s, ETA 1m 10s, 30 s elapsed; loss 8.50",
        "pretraining tiny: 61/100 steps (61%), 1.0 steps/s, ETA 39 s, 1m 01s elapsed; loss 6.95",
        "pretraining tiny: 100/100 steps (100%), 1.0 steps/s, in 1m 40s; loss 5.00",
    ]


def test_a_resumed_task_measures_its_rate_from_where_it_started():
    lines, stream, clock = plain(30)
    lines("editing", 40, 200, "cases")
    clock.now = 40.0
    lines("editing", 120, 200, "cases")
    assert stream.getvalue().splitlines()[1] == "editing: 120/200 cases (60%), 2.0 cases/s, ETA 40 s, 40 s elapsed"


def test_a_tasks_last_report_is_written_before_the_next_task_and_at_close():
    lines, stream, clock = plain(30)
    lines("reading documents", 10_000, None, "documents")
    clock.now = 5.0
    lines("reading documents", 50_000, None, "documents")      # too soon for a line of its own
    lines("counting tokens", 0, None)
    clock.now = 6.0
    lines.message("  done  lm (6.0 s)")
    lines("editing", 0, 4, "cases")
    clock.now = 8.0
    lines("editing", 1, 4, "cases")
    lines.close()
    assert stream.getvalue().splitlines() == [
        "reading documents: 10,000 documents",
        "reading documents: 50,000 documents, 8,000 documents/s, 5.0 s elapsed",
        "counting tokens",
        "  done  lm (6.0 s)",
        "editing: 0/4 cases (0%)",
        "editing: 1/4 cases (25%), 0.5 cases/s, ETA 6.0 s, 2.0 s elapsed",
    ]


def test_a_finished_task_writes_nothing_more_and_interval_zero_writes_every_report():
    lines, stream, clock = plain(0)
    for done in range(3):
        clock.now = float(done)
        lines("generating the corpus", done, 2, "steps", f"step {done}")
    lines("generating the corpus", 2, 2, "steps")
    lines.close()
    assert stream.getvalue().splitlines() == [
        "generating the corpus: 0/2 steps (0%); step 0",
        "generating the corpus: 1/2 steps (50%), 1.0 steps/s, ETA 1.0 s, 1.0 s elapsed; step 1",
        "generating the corpus: 2/2 steps (100%), 1.0 steps/s, in 2.0 s; step 2",
    ]


def test_describe_and_durations():
    assert describe("preparing the editor", 0, None, "steps", "", elapsed=0.0, rate=None) == "preparing the editor"
    assert describe("x", 3, 10, "edits", "", elapsed=7200.0, rate=0.001) == \
        "x: 3/10 edits (30%), 0.001 edits/s, ETA 1h 56m, 2h 00m elapsed"
    assert [duration(s) for s in (0.04, 9.96, 59.4, 60, 3599, 3600)] == \
        ["0.0 s", "10.0 s", "59 s", "1m 00s", "59m 59s", "1h 00m"]


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("KGEDIT_PROGRESS_INTERVAL", raising=False)
    assert interval() == 30.0
    monkeypatch.setenv("KGEDIT_PROGRESS_INTERVAL", " 0.5 ")
    assert interval() == 0.5
    for bad in ("soon", "-1", "nan", "inf"):
        monkeypatch.setenv("KGEDIT_PROGRESS_INTERVAL", bad)
        with pytest.raises(KgeditError, match="KGEDIT_PROGRESS_INTERVAL"):
            interval()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_a_file_gets_lines():
    screen = Terminal()
    with progress_display(screen) as progress:
        progress("editing", 3, 10, "cases", "lora")
        progress.message("  done  cases (1.0 s)")
    drawn = screen.getvalue()
    assert "editing" in drawn and "3/10" in drawn and "━" in drawn and "  done  cases (1.0 s)" in drawn
    log = io.StringIO()
    with progress_display(log) as progress:
        progress("editing", 3, 10, "cases", "lora")
    assert log.getvalue() == "editing: 3/10 cases (30%); lora\n"
