"""`kgedit evaluate` and `kgedit report` through the command line, with the errors a person can hit."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.eval_world import build_checkpoint, build_world

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evaluate_cli")
    world = build_world(folder / "world.duckdb")
    return world, build_checkpoint(world, folder / "ckpt")


def test_evaluate_prints_the_tables_and_report_reprints_them(pipeline, tmp_path):
    world, ckpt = pipeline
    out = tmp_path / "results"
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 3, "--set", "steps=2", "--device", "cpu",
                    "--out", out)
    assert result.exit_code == 0, result.output
    for title in ("All edit requests", "downstream answer changes", "Fixing errors"):
        assert title in result.stdout
    assert "3 cases evaluated" in result.stderr
    assert (out / "results.json").is_file() and (out / "results.duckdb").is_file()
    again = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 3, "--set", "steps=2", "--device", "cpu",
                   "--out", out)
    assert again.exit_code == 0 and "3 from an earlier run" in again.stderr
    report = invoke("report", out, "--paper")
    assert report.exit_code == 0, report.output
    assert "paper post" in report.stdout and "1.00" in report.stdout
    as_json = json.loads(invoke("report", out, "--format", "json", "--prob", "norm", "--match", "contains").stdout)
    assert [t["split"] for t in as_json] == ["all_edit_requests", "downstream_answer_changes", "fixing_errors"]
    assert invoke("report", out, "-f", "csv").stdout.startswith("split,n,row,acc_s1r1")


@pytest.mark.parametrize("args, message", [
    (["--editor", "lorra"], "Unknown editor 'lorra'"),
    (["--set", "stepz=3"], "no parameter 'stepz'"),
    (["--set", "steps"], "--set expects key=value"),
    (["--cases", "0"], "--cases must be at least 1"),
    (["--match", "fuzzy"], "--match must be one of exact, contains"),
    (["--device", "tpu"], "Unknown device 'tpu'"),
])
def test_bad_options_are_errors_with_hints(pipeline, tmp_path, args, message):
    world, ckpt = pipeline
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--out", tmp_path / "r", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_missing_things_are_errors_with_hints(pipeline, tmp_path):
    world, ckpt = pipeline
    missing_model = invoke("evaluate", "--model", tmp_path / "nope", "--db", world, "--out", tmp_path / "r")
    assert missing_model.exit_code == 1 and "No checkpoint directory" in missing_model.stderr
    not_ckpt = tmp_path / "empty"
    not_ckpt.mkdir()
    result = invoke("evaluate", "--model", not_ckpt, "--db", world, "--out", tmp_path / "r")
    assert result.exit_code == 1 and "is not a kgedit checkpoint" in result.stderr
    missing_db = invoke("evaluate", "--model", ckpt, "--db", tmp_path / "none.duckdb", "--out", tmp_path / "r")
    assert missing_db.exit_code == 1 and "No database at" in missing_db.stderr
    no_results = invoke("report", tmp_path / "nothing")
    assert no_results.exit_code == 1 and "No evaluation results" in no_results.stderr
    assert "Hint: Run one first" in no_results.stderr
