"""kgedit evaluate: the oracle check (a model answering from the Bayesian model has zero coherence
error), resumability after an interruption, results files, and clear errors."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest

from kgedit import db
from kgedit.editors.base import EditOutcome, Editor
from kgedit.errors import KgeditError
from kgedit.evaluate.case_set import CaseSet
from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.measure import Measurement
from kgedit.evaluate.results import RESULT_TABLES, open_results
from kgedit.evaluate.run import evaluate
from kgedit.evaluate.tables import ACC_COLUMNS, COH_COLUMNS, COLUMNS, LOGIC_COLUMNS, compute_tables
from tests.eval_world import N_CASES, result_rows


# --- the oracle: a "model" that answers from the Bayesian targets -----------------------------------

@dataclass(frozen=True)
class OracleParams:
    kind: str = "oracle"


class OracleModel:
    """Believes exactly what the Bayesian model believes: before the edit, or after it at weight n'."""

    def __init__(self, world) -> None:
        con = db.connect(world, read_only=True)
        try:
            self.probes = {(c, p, r): (o, pre, post, mpre, mpost) for c, p, r, o, pre, post, mpre, mpost in db.fetch(
                con, "SELECT case_id, probe, role, object_id, p_pre, p_n_prime, mode_pre_id, mode_post_id "
                     "FROM case_probes")[1]}
            self.logical = {(c, k): (pre, post) for c, k, pre, post in db.fetch(
                con, "SELECT case_id, kind, p_true_pre, p_true_n_prime FROM case_logical_probes")[1]}
            self.names = dict(db.fetch(con, "SELECT entity_id, name FROM entities")[1])
        finally:
            con.close()
        self.edited = False
        self.moves = True        # an edit moves its beliefs (False: the edit is accepted and changes nothing)


class OracleMeasurer:
    def __init__(self, oracle: OracleModel, case_set: CaseSet) -> None:
        self.oracle = oracle

    def measure(self, cases, phase) -> Measurement:
        o, m = self.oracle, Measurement()
        assert o.edited == (phase == "post"), "the evaluator measured post-edit beliefs of an unedited model or v.v."
        post = o.edited and o.moves
        for case in cases:
            for p in case.probes:
                row = o.probes[(case.case_id, p.probe, "ground_truth")]
                m.generations.append((case.case_id, phase, p.probe, " " + o.names[row[4] if post else row[3]]))
                for role in sorted(p.objects):
                    obj, pre, after, *_ = o.probes[(case.case_id, p.probe, role)]
                    prob = after if post else pre
                    m.probe_scores.append((case.case_id, phase, p.probe, role, obj, math.log(prob), prob))
            for kind in sorted(case.logical):
                pre, after = o.logical[(case.case_id, kind)]
                m.logical_scores.append((case.case_id, phase, kind, after if post else pre))
        return m


class OracleEditor(Editor):
    name = "oracle"
    Params = OracleParams

    def _edit(self, requests, *, seed, trace):
        assert all(r.subject and r.prompt.startswith(r.subject + " ") for r in requests), "requests name their subject"
        self.model.edited = True
        return EditOutcome(seconds=0.0, final_loss=0.0)

    def _reset(self):
        self.model.edited = False


class NoEditEditor(OracleEditor):
    """Accepts every edit and changes nothing."""
    def _edit(self, requests, *, seed, trace):
        self.model.edited, self.model.moves = True, False
        return EditOutcome(seconds=0.0, final_loss=0.0)


def _evaluate_oracle(world, out, editor=OracleEditor):
    oracle = OracleModel(world)
    config = EvalConfig(model="oracle", world_db=str(world), editor="oracle")
    return evaluate(config, out, model_loader=lambda: (oracle, None, {"oracle": True}),
                    measurer_factory=lambda model, tok, cs: OracleMeasurer(model, cs),
                    editor_factory=lambda model, tok: editor(model, tok))


def test_an_edit_that_changes_nothing_scores_the_no_edit_row(pipeline, tmp_path):
    world, _ = pipeline
    _evaluate_oracle(world, tmp_path / "out", NoEditEditor)
    con = open_results(tmp_path / "out")
    tables = compute_tables(con)
    con.close()
    for t in tables:
        if t.n:
            assert t.post == pytest.approx(t.unedited, abs=1e-12, nan_ok=True), t.split
            assert t.ci["post"] == t.ci["unedited"]
    # ... which is not the pre row: the post-edit targets are other objects than the ground truth
    t = next(t for t in tables if t.split == "all_edit_requests")
    assert t.unedited["acc_s1r1"] == 0.0 < t.pre["acc_s1r1"]
    assert t.unedited["coh_s1r1"] > t.pre["coh_s1r1"]


def test_oracle_model_has_zero_coherence_error_before_and_after_the_edit(pipeline, tmp_path):
    world, _ = pipeline
    summary = _evaluate_oracle(world, tmp_path / "out")
    assert summary.n_done == N_CASES
    con = open_results(tmp_path / "out")
    tables = {t.split: t for t in compute_tables(con)}
    con.close()
    t = tables["all_edit_requests"]
    assert t.n > 0
    for row in (t.pre, t.post):
        for column in COH_COLUMNS + LOGIC_COLUMNS:
            assert row[column] == pytest.approx(0.0, abs=1e-12), column
    # After the edit the oracle says the requested object on s1r1 and the new modes elsewhere.
    assert [t.post[c] for c in ACC_COLUMNS] == [1.0, 1.0, 1.0, 1.0]


def test_a_quote_in_the_results_folder_is_part_of_the_parquet_paths(pipeline, tmp_path):
    # The Parquet copies' paths are bound parameters of DuckDB's COPY, never pasted into its SQL.
    world, _ = pipeline
    out = tmp_path / "it's'); COPY edits TO 'x.csv"
    _evaluate_oracle(world, out)
    con = db.connect(None)
    assert db.fetch(con, "SELECT count(*) FROM read_parquet(?)", [str(out / "parquet" / "edits.parquet")])[1] == [(N_CASES,)]
    con.close()
    assert sorted(p.name for p in (out / "parquet").iterdir()) == sorted(f"{t}.parquet" for t in RESULT_TABLES)


# --- a real (micro) language model with the LoRA editor ---------------------------------------------

@pytest.mark.parametrize("parallel_edits", [1, 3])
def test_interrupted_evaluation_resumes_without_loss_or_double_counting(pipeline, tmp_path, parallel_edits):
    world, ckpt = pipeline
    config = EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"steps": "3", "lr": "1e-2"},
                        cases=10, device="cpu", parallel_edits=parallel_edits)
    evaluate(config, tmp_path / "straight")

    def interrupt(phase, done, total, *_):
        if phase == "editing" and done == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate(config, tmp_path / "resumed", progress=interrupt)
    con = open_results(tmp_path / "resumed")
    assert db.fetch(con, "SELECT count(*) FROM edits")[1] == [(6,)]
    con.close()
    summary = evaluate(config, tmp_path / "resumed")
    assert (summary.resumed_cases, summary.n_done) == (6, 10)
    straight, resumed = result_rows(tmp_path / "straight"), result_rows(tmp_path / "resumed")
    assert straight == resumed
    assert len(straight["edits"]) == 10 and len(straight["generations"]) == 10 * (4 + 1) * 2   # four probes + fluency, pre and post


def test_results_files_and_report(pipeline, tmp_path):
    world, ckpt = pipeline
    out = tmp_path / "out"
    config = EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"steps": "2"}, cases=4, device="cpu",
                        trace=True)
    summary = evaluate(config, out)       # writes results.json and the Parquet copies itself
    data = json.loads((out / "results.json").read_text())
    assert data["timings"] == {"pre_seconds": summary.pre_seconds, "wall_seconds_last_run": summary.wall_seconds,
                               "parallel_edits": summary.parallel_edits}
    assert data["n_done"] == 4 and data["config"]["editor_params"]["steps"] == 2
    assert data["config"]["versions"]["torch"] and data["seeds"] == {"cases": 0, "evaluate": 0}
    assert {t["split"] for t in data["tables"]} == {"all_edit_requests", "downstream_answer_changes", "fixing_errors"}
    runtime = data["runtime_per_edit"]
    assert runtime["n"] == 4 and 0 < runtime["p50"] <= runtime["p95"] and runtime["total"] > 0
    cf = data["counterfact"]
    assert cf["n_fluency"] == 4 and cf["post"]["GE"] > 0
    assert 0 <= cf["post"]["ES"] <= 1 and -1 <= cf["post"]["EM"] <= 1
    assert data["n_done"] == summary.n_done and data["n_cases"] == summary.n_cases
    for name in ("generations", "probe_scores", "logical_scores", "edits", "report_tables", "eval_cases"):
        assert (out / "parquet" / f"{name}.parquet").stat().st_size > 0
    con = open_results(out)
    assert db.fetch(con, "SELECT * FROM report_tables LIMIT 0")[0] == ["split", "n", "row", *COLUMNS]
    assert [t["n"] for t in data["tables"]] == [n for (n,) in db.fetch(
        con, "SELECT n FROM report_tables WHERE row = 'pre' ORDER BY rowid")[1]]
    traces = [json.loads(t) for (t,) in db.fetch(con, "SELECT trace FROM edits")[1]]
    scores = db.fetch(con, "SELECT logp, p_norm FROM probe_scores")[1]
    con.close()
    assert all(len(t) == 3 and {"step", "loss", "p_target"} <= set(t[0]) for t in traces)
    assert all(lp <= 0 and 0 < p <= 1 for lp, p in scores)
    assert np.isfinite([lp for lp, _ in scores]).all()


def test_other_editor_parameters_do_not_mix_into_existing_results(pipeline, tmp_path):
    world, ckpt = pipeline
    out = tmp_path / "out"
    evaluate(EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"steps": "1"}, cases=2, device="cpu"), out)
    with pytest.raises(KgeditError, match="different evaluation"):
        evaluate(EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"steps": "2"}, cases=2,
                            device="cpu"), out)


def test_too_many_cases_and_a_world_without_cases_are_clear_errors(pipeline, tmp_path):
    world, ckpt = pipeline
    with pytest.raises(KgeditError, match="more cases than"):
        evaluate(EvalConfig(model=str(ckpt), world_db=str(world), cases=N_CASES + 1), tmp_path / "a")
    bare = tmp_path / "bare.duckdb"
    from kgedit.world.synthetic import write_synthetic_world
    con = db.connect(bare)
    write_synthetic_world(con, subjects=20, seed=0)
    con.close()
    with pytest.raises(KgeditError, match="no benchmark cases") as err:
        evaluate(EvalConfig(model=str(ckpt), world_db=str(bare)), tmp_path / "b")
    assert "kgedit cases generate" in err.value.hint
    with pytest.raises(KgeditError, match="No model folder at"):
        evaluate(EvalConfig(model=str(tmp_path / "nope"), world_db=str(world)), tmp_path / "c")
