"""How library stages report progress: one callback, `progress(what, done, total, unit, note)`.

`what` names the task and stays the same while it runs (a new `what` is a new task); `done` of `total`
`unit` is how far it is (total None: not known in advance); `note` is what changes between reports
without being part of the task (the current step's name, a loss, a speed). Library code calls it and
never prints: the CLI draws it (cli/progress.py), tests pass their own.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, what: str, done: int, total: int | None, unit: str = "steps", note: str = "") -> None: ...


class Steps:
    """A task of `total` named steps: call it with each step's name as the step begins, then `done()`."""

    def __init__(self, progress: Progress | None, what: str, total: int) -> None:
        self._progress, self._what, self._total, self._begun = progress, what, total, 0

    def __call__(self, name: str) -> None:
        if self._progress is not None:
            self._progress(self._what, self._begun, self._total, "steps", name)
        self._begun += 1

    def done(self) -> None:
        if self._progress is not None:
            self._progress(self._what, self._total, self._total, "steps", "")


def within(progress: Progress | None, part: str) -> Progress | None:
    """The reports of one part of a larger job (a stage of `kgedit run`), each task named 'part: what'."""
    if progress is None:
        return None

    def report(what: str, done: int, total: int | None, unit: str = "steps", note: str = "") -> None:
        progress(f"{part}: {what}", done, total, unit, note)

    return report
