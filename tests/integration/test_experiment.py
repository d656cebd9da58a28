"""kgedit run: an experiment file drives every stage; unchanged stages are skipped, a changed one reruns
with what depends on it; bad files are clear errors."""

from __future__ import annotations

import json
import os
import re

import pytest

from kgedit.errors import KgeditError
from kgedit.experiment.config import load_experiment, parse
from kgedit.experiment.runner import STATE_FILE, plan, run_experiment

MICRO = """
[experiment]
name = "micro"
out = "{out}"
device = "cpu"
[world]
subjects = 120
seed = 3
[cases]
n = {n}
[lm]
preset = "tiny"
tokens = 20000
[evaluate]
cases = 5
editors = ["lora", "bayes"]
[evaluate.params.lora]
steps = 2
[evaluate.params.bayes]
steps = 2
"""


def test_run_builds_everything_then_skips_what_did_not_change(tmp_path):
    out = tmp_path / "exp"
    exp = parse(MICRO.format(out=out, n=10), "micro.toml")
    summary = run_experiment(exp)
    assert summary.ran == ["world", "corpus", "bayes", "cases", "lm", "evaluate:lora", "evaluate:bayes"]
    for name in ("report.md", "report.html", "training_curves.png", "editors.png"):
        assert (out / "report" / name).stat().st_size > 0
    assert list((out / "report").glob("case_*.png"))
    md = (out / "report" / "report.md").read_text()
    assert "Editor: lora" in md and "Editor: bayes" in md and "paper post" in md
    assert "CounterFact scores after the edit" in md and "| s/edit mean |" in md
    for editor in ("lora", "bayes"):
        assert json.loads((out / "results" / editor / "results.json").read_text())["n_done"] == 5
    recorded = json.loads((out / STATE_FILE).read_text())["outputs"]
    assert {"world.duckdb", "ckpt", "lm.key", "results", "report"} <= set(recorded)
    again = run_experiment(exp)
    assert again.ran == [] and len(again.skipped) == 7
    weights = (out / "ckpt" / "model.safetensors").stat().st_mtime_ns
    more_cases = parse(MICRO.format(out=out, n=12), "micro.toml")
    assert [s for s, runs in plan(more_cases) if runs] == ["cases", "evaluate:lora", "evaluate:bayes", "report"]
    third = run_experiment(more_cases)
    assert third.ran == ["cases", "evaluate:lora", "evaluate:bayes"]
    assert (out / "ckpt" / "model.safetensors").stat().st_mtime_ns == weights   # the LM was not retrained


def test_built_in_experiments_parse():
    default = load_experiment(None)
    assert default["lm"]["preset"] == "tiny" and default["evaluate"]["editors"] == ["lora", "bayes"]
    paper = load_experiment("paper")
    assert paper["lm"]["preset"] == "mistral-83m" and paper["cases"]["n"] == 5000


@pytest.mark.parametrize("text, message", [
    ("[wrold]\nsubjects = 3", "unknown section [wrold]"),
    ("[world]\nsubjekts = 3", "unknown key 'subjekts'"),
    ("[world]\nsubjects = 'many'", "subjects must be int"),
    ("[world]\nsubjects = 3\n[world]", "not valid TOML"),
    ("[lm]\npreset = 'huge'", "Unknown model preset 'huge'"),
    ("[evaluate]\neditors = ['lorra']", "unknown editor 'lorra'"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.bayes]\nlr = 1", "does not run"),
    ("[world]\nsource = 'wikidata5m'", "triples is needed"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.lora]\nstepz = 3", "no parameter 'stepz'"),
    ("[report]\nmatch = 'fuzzy'", "--match must be one of"),
    ("[cases]\nn = 10\n[evaluate]\ncases = 20", "more than [cases] n"),
    ("[evaluate]\neditors = ['lora', 'rome']\nparallel_edits = 8", "does not apply to rome"),
    ("[evaluate]\nparallel_edits = 0", "parallel_edits must be at least 1"),
])
def test_bad_experiment_files_are_clear_errors(text, message):
    with pytest.raises(KgeditError) as err:
        parse(text, "x.toml")
    assert message in str(err.value)


def test_missing_experiment_file_is_a_clear_error(tmp_path):
    with pytest.raises(KgeditError, match="experiment file .* does not exist"):
        load_experiment(str(tmp_path / "none.toml"))


def test_experiment_file_that_is_a_directory_or_fifo_says_so(tmp_path):
    with pytest.raises(KgeditError, match="is a directory"):
        load_experiment(str(tmp_path))
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(KgeditError, match="is a FIFO"):  # and does not block reading it
        load_experiment(str(tmp_path / "pipe.toml"))


def users_folder(tmp_path):
    """A folder with a user's own world.duckdb and ckpt/ (no experiment.json recording them)."""
    folder = tmp_path / "mine"
    (folder / "ckpt").mkdir(parents=True)
    (folder / "ckpt" / "model.safetensors").write_bytes(b"my weights")
    (folder / "world.duckdb").write_bytes(b"my world")
    return folder


def assert_untouched(folder):
    assert (folder / "world.duckdb").read_bytes() == b"my world"
    assert (folder / "ckpt" / "model.safetensors").read_bytes() == b"my weights"
    assert sorted(p.name for p in folder.iterdir()) == ["ckpt", "world.duckdb"]


@pytest.mark.parametrize("out", ["folder", "."])
def test_a_run_refuses_to_replace_a_users_files(tmp_path, monkeypatch, out):
    folder = users_folder(tmp_path)
    monkeypatch.chdir(folder)
    exp = parse(MICRO.format(out=folder if out == "folder" else out, n=10), "micro.toml")
    for attempt in (plan, run_experiment):
        with pytest.raises(KgeditError, match="already holds world.duckdb, ckpt, not written by kgedit run") as err:
            attempt(exp)
        assert "--overwrite" in err.value.hint
    assert_untouched(folder)
    assert [stage for stage, runs in plan(exp, overwrite=True) if runs][0] == "world"


def test_a_run_refuses_a_foreign_state_file_and_accepts_a_record_from_before_outputs_were_listed(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    exp = parse(MICRO.format(out=folder, n=10), "micro.toml")
    (folder / STATE_FILE).write_text('{"my": "notes"}')
    (folder / "report").mkdir()
    with pytest.raises(KgeditError, match=f"already holds {STATE_FILE}, report"):
        plan(exp)
    (folder / STATE_FILE).write_text(json.dumps({"experiment": "micro.toml", "stages": {"world": "0"}}))
    assert plan(exp)[-1] == ("report", True)


@pytest.mark.parametrize("out, message", [
    ("", "[experiment] out (or --out) is empty"),
    ("{tmp}/file", "is a file, not a folder"),
    ("{tmp}/file/below", "is a file, not a folder"),
])
def test_unusable_experiment_folders_are_clear_errors(tmp_path, out, message):
    (tmp_path / "file").write_text("the user's file")
    exp = parse(MICRO.format(out=out.format(tmp=tmp_path), n=10), "micro.toml")
    for attempt in (plan, run_experiment):
        with pytest.raises(KgeditError, match=re.escape(message)):
            attempt(exp)
    assert (tmp_path / "file").read_text() == "the user's file"
