"""Checks of user-supplied numbers and input files, shared by every stage's config and the CLI.

Every numeric input is validated where it is read (a stage's ``check()``, the experiment file, an
editor's ``--set``), so a bad value fails before any work with ``Error:``/``Hint:`` rather than as
NaN results or a late crash. One place for the rules keeps the messages the same everywhere.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

from kgedit.errors import InputFileError, KgeditError

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


def input_file(what: str, path: str | os.PathLike[str], hint: str) -> Path:
    """`path` if it is a regular file this process may read; else an InputFileError saying why.

    `what` names the file in the message ("The triples file"). A directory, FIFO, device (/dev/null
    too: it only ever reads as empty) or socket is refused by its kind, before anything opens it: a
    FIFO would block the reader. Permissions are tested by opening, which is the truth even for root
    without CAP_DAC_OVERRIDE.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputFileError(f"{what} {path} does not exist.", hint) from None
    except OSError as exc:
        raise InputFileError(f"{what} {path} cannot be read: {exc.strerror}.", hint) from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{what} {path} is a directory, not a file.", hint)
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{what} {path} is {_file_kind(mode)}, not a regular file.", hint)
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        raise InputFileError(f"{what} {path} is not readable (permission denied).",
                             f"Give yourself read access (chmod u+r {path}) or use a copy you can read.") from None
    except OSError as exc:
        raise InputFileError(f"{what} {path} cannot be read: {exc.strerror}.", hint) from None
    return path


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((text for test, text in kinds if test(mode)), "a special file")


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
