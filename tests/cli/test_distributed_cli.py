"""The command line under torchrun's variables, without a process group: --sequential runs on rank 0 only."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.app import app


def test_sequential_editing_leaves_the_other_ranks_with_a_message_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    out = tmp_path / "seq"
    result = CliRunner().invoke(app, ["evaluate", "--model", str(tmp_path / "ckpt"), "--db", str(tmp_path / "w.duckdb"),
                                      "--sequential", "1,2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Rank 1: --sequential edits one model in order; rank 0 runs it" in result.stderr
    assert not out.exists()
