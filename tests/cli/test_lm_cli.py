"""`kgedit lm tokenizer` and `kgedit train` through the real command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app
from kgedit import db
from tests.conftest import write_world
from tests.lm_corpus import facts, write_corpus

runner = CliRunner()


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "world.duckdb"
    con = db.connect(path)
    write_corpus(con)
    con.close()
    return path


def test_tokenizer_command_prints_token_counts_and_refuses_to_overwrite(world, tmp_path):
    out = tmp_path / "ckpt"
    result = runner.invoke(app, ["lm", "tokenizer", "--db", str(world), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = {r["kind"]: r for r in json.loads(result.stdout)}
    assert rows["documents"]["n_texts"] == 90 and rows["atomic"]["n_tokens"] > 0
    assert (out / "tokenizer.json").is_file()
    again = runner.invoke(app, ["lm", "tokenizer", "--db", str(world), "--out", str(out)])
    assert again.exit_code == 1 and "Error:" in again.stderr and "--overwrite" in again.stderr


@pytest.mark.slow
def test_train_command_runs_two_steps_and_reports(world, tmp_path):
    out = tmp_path / "ckpt"
    args = ["train", "--db", str(world), "--preset", "tiny", "--out", str(out), "--tokens", "2048",
            "--device", "cpu", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["step"] == row["total_steps"] == 2 and 0.0 <= row["gen_acc"] <= 1.0
    assert (out / "model.safetensors").is_file() and (out / "kgedit.json").is_file()
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--resume" in again.stderr


@pytest.mark.parametrize("extra, message", [
    (["--preset", "huge"], "Unknown model preset"),
    (["--device", "tpu"], "Unknown device"),
    (["--tokens", "0"], "--tokens must be at least 1"),
    (["--tokens", "-5"], "--tokens must be at least 1"),
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807]"),
    (["--seed", "99999999999999999999"], "--seed must be in"),
    (["--resume"], "No checkpoint directory"),
])
def test_train_bad_input_is_an_error_with_a_hint(world, tmp_path, extra, message):
    result = runner.invoke(app, ["train", "--db", str(world), "--out", str(tmp_path / "o"), *extra])
    assert result.exit_code == 1
    assert message in result.stderr and "Hint:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()          # refused before anything was written


def test_train_on_a_world_without_corpus_says_to_build_it(tmp_path):
    path = tmp_path / "bare.duckdb"
    con = db.connect(path)
    write_world(con, [("educated at", "occupation")], facts())
    con.close()
    result = runner.invoke(app, ["train", "--db", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "kgedit corpus generate" in result.stderr
    missing = runner.invoke(app, ["train", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 1 and "No database" in missing.stderr
