"""Checks of user-supplied numbers, shared by every stage's config and the CLI.

Every numeric input is validated where it is read (a stage's ``check()``, the experiment file, an
editor's ``--set``), so a bad value fails before any work with ``Error:``/``Hint:`` rather than as
NaN results or a late crash. One place for the rules keeps the messages the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from kgedit.errors import KgeditError

# Seeds are stored in BIGINT columns and fed to numpy/torch generators: 0 .. 2**63 - 1.
SEED_MAX = 2**63 - 1


def finite(name: str, value: float, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, hint: str | None = None) -> float:
    """`value` as a float, if it is a finite number in [low, high] (open ends when asked); else an error."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise KgeditError(f"{name} must be a number (got {value!r}).", hint) from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise KgeditError(f"{name} must be a finite number (got {value!r}).", hint)
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above:
        raise KgeditError(f"{name} must be {_range_text(low, high, low_open, high_open)} (got {value!r}).", hint)
    return number


def integer(name: str, value: int, *, low: int | None = None, high: int | None = None,
            hint: str | None = None) -> int:
    """`value` as an int, if it is a whole number (not a bool) in [low, high]; else an error."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise KgeditError(f"{name} must be a whole number (got {value!r}).", hint)
    if (low is not None and value < low) or (high is not None and value > high):
        raise KgeditError(f"{name} must be {_range_text(low, high, False, False)} (got {value}).", hint)
    return value


def seed(name: str, value: int) -> int:
    """A seed: a whole number in 0 .. 2**63 - 1."""
    return integer(name, value, low=0, high=SEED_MAX, hint="Seeds are whole numbers from 0 to 2**63 - 1.")


def option_name(field: str) -> str:
    """How a config field is named on the command line: doc_resamples -> --doc-resamples."""
    return "--" + field.replace("_", "-")


# A stage config's check(name=...) names its fields through this: the CLI's option names by default,
# "[section] key" when the experiment file is checked.
Namer = Callable[[str], str]


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{_num(low)}, {_num(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'greater than' if low_open else 'at least'} {_num(low)}"
    if high is not None:
        return f"{'less than' if high_open else 'at most'} {_num(high)}"
    return "a number"


def _num(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"
