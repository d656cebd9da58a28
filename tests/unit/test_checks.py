"""The shared number checks: finite, in range, whole numbers, seeds."""

import math
import os
from pathlib import Path

import pytest

from kgedit import checks
from kgedit.errors import InputFileError, KgeditError


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "nan", "x", None, True])
def test_finite_refuses_non_finite_and_non_numbers(bad):
    with pytest.raises(KgeditError):
        checks.finite("--lr", bad)


def test_finite_range_ends_open_and_closed():
    assert checks.finite("--lr", "1e-3", low=0, low_open=True) == 1e-3
    assert checks.finite("--p", 1.0, low=0, high=1) == 1.0
    with pytest.raises(KgeditError, match="greater than 0"):
        checks.finite("--lr", 0, low=0, low_open=True)
    with pytest.raises(KgeditError, match=r"in \[0, 1\)"):
        checks.finite("--p", 1.0, low=0, high=1, high_open=True)


def test_integer_refuses_fractions_and_out_of_range():
    assert checks.integer("--n", 5.0, low=1) == 5
    for bad in (0, -5, 2.5, math.inf, True):
        with pytest.raises(KgeditError):
            checks.integer("--n", bad, low=1)


def test_seed_is_zero_to_bigint_max():
    assert checks.seed("--seed", 0) == 0
    assert checks.seed("--seed", checks.SEED_MAX) == checks.SEED_MAX
    for bad in (-1, checks.SEED_MAX + 1, 99999999999999999999999):
        with pytest.raises(KgeditError, match="--seed"):
            checks.seed("--seed", bad)


def test_input_file_names_what_the_path_is_instead(tmp_path):
    good = tmp_path / "a.tsv"
    good.write_text("x\n")
    assert checks.input_file("The triples file", str(good), "hint") == good
    os.mkfifo(tmp_path / "pipe")
    for path, said in ((tmp_path / "none", "does not exist"), (tmp_path / "a.tsv" / "b", "does not exist"),
                       (tmp_path, "is a directory, not a file"),
                       (tmp_path / "pipe", "is a FIFO (named pipe), not a regular file"),
                       (Path(os.devnull), "is a character device, not a regular file")):
        with pytest.raises(InputFileError) as err:
            checks.input_file("The triples file", path, "Pass it with --triples.")
        assert err.value.message == f"The triples file {path} {said}." and err.value.hint == "Pass it with --triples."
