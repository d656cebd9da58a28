"""kgedit evaluate leaves nothing behind when it fails: bad input is refused before any file is
written, and a failure after the results database was created removes what this run created (unless
a finished case is worth resuming), never what was there before."""

from __future__ import annotations

import pytest

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.results import RESULTS_DB, open_results
from kgedit.evaluate.run import evaluate


def _config(pipeline, **changes) -> EvalConfig:
    world, ckpt = pipeline
    return EvalConfig(**{"model": str(ckpt), "world_db": str(world), "editor_params": {"steps": "1"}, "cases": 2,
                         "device": "cpu", **changes})


def _fail_at(phase: str, done: int):
    def progress(now: str, count: int, total: int | None, *_) -> None:
        if now == phase and count == done:
            raise RuntimeError("the device broke")
    return progress


def _finished(out) -> int:
    con = open_results(out)
    try:
        return db.fetch(con, "SELECT count(*) FROM edits")[1][0][0]
    finally:
        con.close()


def test_a_failure_before_any_finished_case_removes_the_folders_this_run_created(pipeline, tmp_path):
    out = tmp_path / "new" / "results"
    with pytest.raises(RuntimeError, match="the device broke"):
        evaluate(_config(pipeline), out, progress=_fail_at("pre-edit beliefs", 0))
    assert not (tmp_path / "new").exists()


def test_a_failure_keeps_what_was_in_the_folder_before(pipeline, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    with pytest.raises(RuntimeError):
        evaluate(_config(pipeline), out, progress=_fail_at("editing", 0))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "the user's own file"


def test_a_failure_after_finished_cases_keeps_them_for_the_rerun(pipeline, tmp_path):
    out = tmp_path / "r"
    config = _config(pipeline, parallel_edits=1)
    with pytest.raises(RuntimeError):
        evaluate(config, out, progress=_fail_at("editing", 1))
    assert _finished(out) == 1
    summary = evaluate(config, out)
    assert (summary.resumed_cases, summary.n_done) == (1, 2)
    # A results folder from an earlier run is never discarded, whatever fails later.
    with pytest.raises(RuntimeError):
        evaluate(config, out, progress=_fail_at("pre-edit beliefs", 2))
    assert (out / RESULTS_DB).is_file() and _finished(out) == 2


def test_bad_parameters_and_a_file_as_out_write_nothing(pipeline, tmp_path):
    with pytest.raises(KgeditError, match="lr must be a finite number"):
        evaluate(_config(pipeline, editor_params={"lr": "nan"}), tmp_path / "a")
    with pytest.raises(KgeditError, match="Unknown editor"):
        evaluate(_config(pipeline, editor="lorra"), tmp_path / "a")
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(KgeditError, match="is a file, not a folder"):
        evaluate(_config(pipeline), tmp_path / "file")
    assert (tmp_path / "file").read_text() == "x"
