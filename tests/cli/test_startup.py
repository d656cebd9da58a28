"""The command line starts light: --help, query and sql never import torch, transformers or pgmpy."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "peft", "pgmpy")


def _modules_loaded_by(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from kgedit._entry import main\n"
        f"sys.argv = ['kgedit'] + {args!r}\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED")][-1]
    return set(eval(line.removeprefix("LOADED ")))


@pytest.mark.parametrize("args", [["--help"], ["sql", "--help"], ["evaluate", "--help"], ["report", "--help"], ["run", "--help"]])
def test_help_imports_no_heavy_library(args):
    assert _modules_loaded_by(args) == set()


def test_sql_on_missing_db_imports_no_heavy_library(tmp_path):
    assert _modules_loaded_by(["sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")]) == set()
