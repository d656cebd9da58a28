"""The bayes editor: its targets are the Bayesian posteriors of the cases stage, it moves the LM toward
them (downstream included) and resets exactly like lora."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kgedit import db
from kgedit.cases.build import generate_cases
from kgedit.cases.config import CasesConfig
from kgedit.editors import EditRequest, make_editor
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.scoring import score


@pytest.fixture(scope="module")
def pipeline(pipeline):
    """The micro pipeline with 40 cases in place of 16 (this module's copy; the checkpoint never saw cases)."""
    con = db.connect(pipeline.world)
    try:
        generate_cases(con, CasesConfig(n=40, seed=0), overwrite=True)
    finally:
        con.close()
    return pipeline


def _cases(world, where="TRUE"):
    con = db.connect(world, read_only=True)
    try:
        cols, rows = db.fetch(con, f"SELECT * FROM cases WHERE {where} ORDER BY case_id")
        probes = db.fetch(con, "SELECT case_id, probe, role, p_n_prime FROM case_probes")[1]
    finally:
        con.close()
    return [dict(zip(cols, r)) for r in rows], {(c, p, r): v for c, p, r, v in probes}


def _request(case):
    return EditRequest(case["edit_prompt"], case["requested_object"], case["case_id"], case["subject_id"],
                       case["relation_id"], case["requested_object_id"])


def test_targets_are_the_cases_stage_posteriors(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    cases, probes = _cases(world)
    editor = make_editor("bayes", model, tok)
    editor.prepare(world, [_request(c) for c in cases])
    linked = 0
    for case in cases:
        t = editor._targets[(case["subject_id"], case["relation_id"], case["requested_object_id"])]
        assert t.t_a == pytest.approx(probes[(case["case_id"], "s1r1", "requested")], abs=1e-12)
        assert all(abs(c.target.sum() - 1) < 1e-12 for c in t.consequences)
        assert t.consequences[0].prompt == case["edit_prompt"]
        if case["linked"]:
            linked += 1
            partner = t.consequences[1]
            # the downstream consequence's mode is the Bayesian post-edit mode of the s1r2 probe
            con = db.connect(world, read_only=True)
            mode = db.fetch(con, "SELECT name FROM entities WHERE entity_id = ?", [case["downstream_mode_post_id"]])[1][0][0]
            con.close()
            assert partner.objects[int(np.argmax(partner.target))] == mode
    assert linked > 0


def test_edit_moves_the_downstream_belief_toward_the_posterior_and_resets_exactly(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    cases, _ = _cases(world, "linked AND downstream_answer_changes")
    assert cases, "the fixture world needs a downstream-change case"
    case = cases[0]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    # Only the downstream term, so the test isolates it (the micro model trades terms off against each other).
    editor = make_editor("bayes", model, tok, {"lr": "1e-2", "fact_weight": "0", "tf_weight": "0",
                                               "locality_weight": "0"})
    editor.prepare(world, [_request(case)])
    partner = editor._targets[(case["subject_id"], case["relation_id"], case["requested_object_id"])].consequences[1]

    def kl_to_posterior():
        lp = score(model, tok, [(partner.prompt, " " + o) for o in partner.objects])
        q = np.exp(lp - lp.max())
        q /= q.sum()
        p = partner.target
        return float(np.sum(np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - np.log(q)), 0)))

    kl_before = kl_to_posterior()
    outcome = editor.edit([_request(case)], seed=0, trace=True)
    assert kl_to_posterior() < kl_before
    assert outcome.trace[-1]["loss"] < outcome.trace[0]["loss"]
    editor.reset()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert kl_to_posterior() == pytest.approx(kl_before, abs=0)


def test_subject_prompts_keep_the_subjects_other_answers_in_the_locality_term(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    case = _cases(world)[0][0]
    con = db.connect(world, read_only=True)
    subject, others = db.fetch(con, "SELECT name, (SELECT count(*) FROM corpus_facts WHERE subject_id = ? "
                                    "AND relation_id <> ?) FROM entities WHERE entity_id = ?",
                               [case["subject_id"], case["relation_id"], case["subject_id"]])[1][0]
    con.close()
    editor = make_editor("bayes", model, tok, {"locality_prompts": "0", "subject_prompts": "2"})
    editor.prepare(world, [_request(case)])
    ids, mask, last, _, owner = editor._locality_batch([_request(case)], [0], "cpu")
    prompts = [tok.decode(row[1:last[i] + 1]) for i, row in enumerate(ids.tolist())]
    assert 0 < len(prompts) <= min(2, others) and owner.tolist() == [0] * len(prompts)
    assert all(p.startswith(subject) and p != case["edit_prompt"] for p in prompts)
    none = {"locality_prompts": "0", "subject_prompts": "0"}
    assert make_editor("bayes", model, tok, none)._locality_batch([_request(case)], [0], "cpu") is None


def test_bayes_editor_errors(pipeline, tmp_path):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    editor = make_editor("bayes", model, tok)
    with pytest.raises(KgeditError, match="not prepared"):
        editor.edit([EditRequest("Arthur Ashby occupation", "pilot", 0, "E1", "P106", "E2")])
    with pytest.raises(KgeditError, match="needs the world ids"):
        editor.prepare(world, [EditRequest("Arthur Ashby occupation", "pilot")])
    with pytest.raises(KgeditError, match="weight must be one of n_prime, n"):
        make_editor("bayes", model, tok, {"weight": "m"})
    from kgedit.corpus.build import generate_corpus
    from kgedit.corpus.config import CorpusConfig
    from kgedit.world.synthetic import write_synthetic_world
    unfitted = tmp_path / "unfitted.duckdb"
    con = db.connect(unfitted)
    write_synthetic_world(con, subjects=30, seed=0)
    generate_corpus(con, CorpusConfig(seed=0))
    con.close()
    cases, _ = _cases(world)
    with pytest.raises(KgeditError, match="fit"):
        editor.prepare(unfitted, [_request(cases[0])])
