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


def _locality_prompts(editor, tok, requests, seeds):
    """Per request, the prompts of its locality rows (each ends where the first KL position is)."""
    ids, _, at, _, owner = editor._locality_batch(requests, seeds, "cpu")
    prompts = [tok.decode(row[1:int(at[i].nonzero()[0]) + 1]) for i, row in enumerate(ids.tolist())]
    return [[p for p, o in zip(prompts, owner.tolist()) if o == i] for i in range(len(requests))]


def test_subject_prompts_keep_the_subjects_other_answers_in_the_locality_term(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    case = _cases(world)[0][0]
    con = db.connect(world, read_only=True)
    subject, others = db.fetch(con, "SELECT name, (SELECT count(*) FROM corpus_facts WHERE subject_id = ? "
                                    "AND relation_id <> ?) FROM entities WHERE entity_id = ?",
                               [case["subject_id"], case["relation_id"], case["subject_id"]])[1][0]
    con.close()
    editor = make_editor("bayes", model, tok, {"locality_prompts": "0", "hard_prompts": "0", "subject_prompts": "2"})
    editor.prepare(world, [_request(case)])
    prompts = _locality_prompts(editor, tok, [_request(case)], [0])[0]
    assert 0 < len(prompts) <= min(2, others)
    assert all(p.startswith(subject) and p != case["edit_prompt"] for p in prompts)
    none = {"locality_prompts": "0", "hard_prompts": "0", "subject_prompts": "0"}
    assert make_editor("bayes", model, tok, none)._locality_batch([_request(case)], [0], "cpu") is None




def test_hard_prompts_are_the_other_subjects_facts_nearest_to_flipping_to_the_edit(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    cases = _cases(world, "linked")[0]      # an edit with a partner relation: 3 + 3 hard prompts
    case = cases[0]
    request = _request(case)
    con = db.connect(world, read_only=True)
    facts = db.fetch(con, "SELECT s.name || ' ' || r.label, o.name FROM corpus_facts f "
                          "JOIN entities s ON s.entity_id = f.subject_id JOIN relations r USING (relation_id) "
                          "JOIN entities o ON o.entity_id = f.object_id WHERE f.relation_id = ? AND f.subject_id <> ?",
                     [case["relation_id"], case["subject_id"]])[1]
    con.close()
    # brute force: every other subject's fact of the edited relation, by log p(requested) - log p(own answer)
    at_risk = [(prompt, own) for prompt, own in facts if own != request.target]
    margin = (score(model, tok, [(p, " " + request.target) for p, _ in at_risk])
              - score(model, tok, [(p, " " + own) for p, own in at_risk]))
    editor = make_editor("bayes", model, tok, {"locality_prompts": "0", "subject_prompts": "0",
                                               "hard_prompts": "6"})
    editor.prepare(world, [_request(c) for c in cases[:3]])
    relations = editor._targets[(case["subject_id"], case["relation_id"], case["requested_object_id"])].consequences
    assert len(relations) == 2
    nearest = {at_risk[j][0] for j in np.argsort(-margin)[:3]}
    chosen = _locality_prompts(editor, tok, [request], [0])[0]
    assert len(chosen) == 6 and len({p.rsplit(" ", 1)[-1] for p in chosen}) == 2   # both relations' prompts
    assert nearest <= set(chosen) and case["edit_prompt"] not in chosen
    # the same whatever is edited beside it, and for any seed (no sample is drawn)
    beside = _locality_prompts(editor, tok, [_request(c) for c in cases[1:3]] + [request], [5, 6, 7])
    assert beside[2] == chosen == _locality_prompts(editor, tok, [request], [9])[0]
    # with a random sample too: the sample never repeats a hard prompt
    both = make_editor("bayes", model, tok, {"locality_prompts": "8", "subject_prompts": "0", "hard_prompts": "6"})
    both.prepare(world, [request])
    mixed = _locality_prompts(both, tok, [request], [0])[0]
    assert len(mixed) == len(set(mixed)) and set(chosen) <= set(mixed)


def test_locality_span_answer_holds_every_token_of_the_neighbours_own_answer(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    request = _request(_cases(world)[0][0])
    params = {"locality_prompts": "6", "subject_prompts": "2"}
    nxt = make_editor("bayes", model, tok, {**params, "locality_span": "next"})
    ans = make_editor("bayes", model, tok, {**params, "locality_span": "answer"})
    for editor in (nxt, ans):
        editor.prepare(world, [request])
    assert _locality_prompts(nxt, tok, [request], [3]) == _locality_prompts(ans, tok, [request], [3])
    _, _, at_next, ref_next, _ = nxt._locality_batch([request], [3], "cpu")
    ids, _, at, ref, _ = ans._locality_batch([request], [3], "cpu")
    assert (at_next.sum(1) == 1).all() and (at.sum(1) >= 1).all() and at.sum() > len(at)   # some answers span tokens
    # the first position is the prompt's end (the "next" span's), and the reference distributions
    # along the answer give its teacher-forced log-probability under the unedited model
    first = torch.stack([row.nonzero()[0, 0] for row in at])
    assert torch.allclose(ref[at.cumsum(1)[at] == 1], ref_next, atol=1e-5)
    answer_ids = ids[:, 1:][at[:, :-1]]
    rows = torch.nonzero(at)[:, 0]
    lp = torch.zeros(len(ids), dtype=torch.float64).index_add(0, rows, ref.gather(1, answer_ids[:, None])[:, 0].double())
    prompts = [tok.decode(row[1:int(f) + 1]) for row, f in zip(ids.tolist(), first)]
    answers = [tok.decode(row[int(f) + 1:int(f) + 1 + int(n)]) for row, f, n in zip(ids.tolist(), first, at.sum(1))]
    assert np.allclose(lp.numpy(), score(model, tok, list(zip(prompts, answers))), atol=1e-4)
    with pytest.raises(KgeditError, match="locality_span must be one of next, answer"):
        make_editor("bayes", model, tok, {"locality_span": "all"})


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
