"""kgedit tune refuses what cannot give a held-out report, before it writes anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app


@pytest.mark.parametrize("args, message", [
    (["--cases-seed", "2", "--eval-seed", "2"], "also the tuning seed"),
    (["--editor", "rome"], "no search space"),
    (["--trials", "0"], "--trials must be"),
    (["--budget-s", "nan"], "--budget-s must be a finite number"),
    (["--baseline-set", "lr=-1"], "lora parameter lr"),
    (["--tune-cases", "100", "--eval-cases", "100"], "subjects; the world has"),
])
def test_tune_refuses_bad_options_before_any_work(pipeline, tmp_path, args, message):
    out = tmp_path / "t"
    result = CliRunner().invoke(app, ["tune", "--model", str(pipeline.checkpoint), "--db", str(pipeline.world),
                                      "--out", str(out), *args])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and message in result.output
    assert not out.exists()
