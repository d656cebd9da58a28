"""`kgedit run` never replaces what it did not write: a user's world.duckdb and ckpt/ in the experiment folder
are refused (before any work) unless --overwrite; an empty or file --out is a clear error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.integration.test_experiment import users_folder as make_users_folder

runner = CliRunner()


@pytest.fixture
def users_folder(tmp_path):
    return make_users_folder(tmp_path)


def assert_user_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and "\nHint: " in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def assert_untouched(folder):
    assert (folder / "world.duckdb").read_bytes() == b"my world"
    assert (folder / "ckpt" / "model.safetensors").read_bytes() == b"my weights"
    assert sorted(p.name for p in folder.iterdir()) == ["ckpt", "world.duckdb"]


@pytest.mark.parametrize("how", ["--out", "out = '.'"])
def test_run_refuses_a_users_files_and_overwrite_allows_them(users_folder, monkeypatch, tmp_path, how):
    experiment = tmp_path / "exp.toml"
    experiment.write_text("[experiment]\nout = '.'\n" if how != "--out" else "[world]\nsubjects = 20\n")
    monkeypatch.chdir(users_folder)
    args = ["run", str(experiment)] + (["--out", str(users_folder)] if how == "--out" else [])
    for extra in ([], ["--plan"]):
        assert_user_error(runner.invoke(app, args + extra), "already holds world.duckdb, ckpt",
                          "pass --overwrite")
    assert_untouched(users_folder)
    plan = runner.invoke(app, args + ["--plan", "--overwrite"])
    assert plan.exit_code == 0 and plan.stdout.splitlines()[0] == "run   world", plan.output
    assert_untouched(users_folder)


def test_run_with_an_empty_or_file_out_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("the user's file")
    assert_user_error(runner.invoke(app, ["run", "--out", ""]), "out (or --out) is empty")
    assert_user_error(runner.invoke(app, ["run", "--out", str(tmp_path / "file")]), "is a file, not a folder")
    assert_user_error(runner.invoke(app, ["run", "--out", str(tmp_path / "file" / "sub"), "--plan"]),
                      "is a file, not a folder")
    assert (tmp_path / "file").read_text() == "the user's file"


RUN = """
[experiment]
out = "{out}"
device = "cpu"
[world]
source = "synthetic"
subjects = 120
[cases]
n = 10
[lm]
tokens = 6000
[evaluate]
cases = 2
editors = ["ft"]
"""


@pytest.mark.slow
def test_run_with_stderr_in_a_file_reports_progress_during_pretraining(tmp_path):
    """stderr is not a terminal here (as in a Slurm job or `2> log`): plain lines, not a silent bar."""
    experiment = tmp_path / "exp.toml"
    experiment.write_text(RUN.format(out=tmp_path / "exp"))
    result = runner.invoke(app, ["run", str(experiment)], env={"KGEDIT_PROGRESS_INTERVAL": "0"})
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    done = [line for line in lines if line.startswith("  done  ")]
    assert [line.split()[1] for line in done] == ["world", "corpus", "bayes", "cases", "lm", "evaluate:ft",
                                                  "report"], result.stderr
    pretraining = lines[lines.index(done[3]) + 1:lines.index(done[4])]
    steps = [line for line in pretraining if line.startswith("lm: pretraining tiny: ")]
    assert len(steps) >= 3, result.stderr
    assert all(" steps/s, ETA " in line and "; loss " in line for line in steps[1:-1]), steps
    assert " steps (100%), " in steps[-1] and ", in " in steps[-1], steps
    assert "=== editor: ft ===" in result.stdout and "lm: pretraining" not in result.stdout
