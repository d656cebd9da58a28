"""How library stages report progress: a callback (what is being done, steps done, steps in all).
The CLI turns it into a rich progress bar; library code never prints."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def stepper(progress: Progress | None, total: int) -> Callable[[str], None]:
    """A `step(what)` that reports `what` as the next of `total` fixed steps (a no-op without a callback)."""
    done = [0]

    def step(what: str) -> None:
        if progress is not None:
            progress(what, done[0], total)
        done[0] += 1

    return step
