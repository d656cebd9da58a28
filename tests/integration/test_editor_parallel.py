"""Edit-parallel editing (kgedit.editors.parallel): B independent edits in one batch give, per case,
the result of editing that case alone with the peft editor (within 1e-5), and the reset is exact."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kgedit import db
from kgedit.editors import EditRequest, make_editor
from kgedit.editors.parallel import resolve_parallel_edits
from kgedit.errors import KgeditError
from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.run import edit_seed, evaluate
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.scoring import score
from tests.eval_world import N_CASES, result_rows


@pytest.fixture(scope="module")
def pipeline(pipeline):
    """The micro pipeline and its cases as edit requests."""
    world, ckpt = pipeline
    con = db.connect(world, read_only=True)
    try:
        rows = db.fetch(con, "SELECT c.case_id, c.edit_prompt, c.requested_object, c.subject_id, c.relation_id, "
                             "c.requested_object_id, s.name FROM cases c JOIN entities s ON s.entity_id = c.subject_id "
                             "ORDER BY c.case_id")[1]
    finally:
        con.close()
    requests = [EditRequest(p, t, cid, sid, rid, oid, s) for cid, p, t, sid, rid, oid, s in rows]
    return world, ckpt, requests


@pytest.fixture(scope="module")
def two_layers(pipeline, tmp_path_factory):
    """A 2-layer micro model on the same world: with one layer nothing at the subject's positions can
    reach the prediction at the prompt's end (attention reads the layer's input), so positions=subject
    needs two."""
    import dataclasses

    from kgedit.lm.config import TrainConfig
    from kgedit.lm.train import train
    from tests.eval_world import MICRO

    world, _, _ = pipeline
    ckpt = tmp_path_factory.mktemp("two_layers") / "ckpt"
    train(world, ckpt, TrainConfig(preset=dataclasses.replace(MICRO, num_layers=2), n_probe_facts=5,
                                   n_probe_sentences=2))
    return ckpt


def _snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _one_at_a_time(editor, model, tok, requests, seeds, pairs):
    """Per case: p of every pair after editing that case alone, and the edit's final loss and trace."""
    results = []
    for r, seed in zip(requests, seeds):
        outcome = editor.edit([r], seed=seed, trace=True)
        results.append((np.exp(score(model, tok, pairs)), outcome))
        editor.reset()
    return results


def _each_case(editor, model, tok, n, pairs):
    """Per case slot: p of every pair seen through that slot's edit."""
    return [np.exp(score(model, tok, pairs, batch_size=7, on_batch=lambda idx, i=i: editor.route([i] * len(idx))))
            for i in range(n)]


# bayes with rank 2, the subject's own facts in its locality term and early stopping: the options
# kgedit tune searches (stop_kl 2.1: some of these cases stop early, at different steps, others not)
# positions=subject: one case alone is a RoutedLora of one case (peft adapts every position);
# hard_prompts: each case's nearest-to-flipping neighbours are chosen the same beside other cases;
# locality_span=answer: several KL positions per locality row
@pytest.mark.parametrize("name, params", [("lora", {}), ("bayes", {"rank": "2", "subject_prompts": "2"}),
                                          ("bayes", {"hard_prompts": "6", "locality_prompts": "2",
                                                     "locality_span": "answer", "subject_prompts": "1"}),
                                          ("bayes", {"rank": "2", "stop_kl": "2.1"}),
                                          ("lora", {"positions": "subject"}),
                                          ("bayes", {"positions": "subject", "subject_prompts": "2"})])
def test_parallel_edits_equal_one_case_at_a_time_and_reset_exactly(pipeline, two_layers, name, params):
    world, ckpt, requests = pipeline
    ckpt = two_layers if "positions" in params else ckpt
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before, grads = _snapshot(model), {n: p.requires_grad for n, p in model.named_parameters()}
    requests = requests[:6]
    seeds = [edit_seed(0, r.case_id) for r in requests]
    pairs = [(r.prompt, r.continuation) for r in requests]
    p_before = np.exp(score(model, tok, pairs))
    editor = make_editor(name, model, tok, {"lr": "1e-2", "steps": "12", **params})
    editor.prepare(world, requests)
    alone = _one_at_a_time(editor, model, tok, requests, seeds, pairs)
    outcomes = editor.edit_cases(requests, seeds, trace=True)
    together = _each_case(editor, model, tok, len(requests), pairs)
    for (p_alone, o_alone), p_together, o_together in zip(alone, together, outcomes):
        assert np.abs(p_alone - p_together).max() < 1e-5
        assert o_together.final_loss == pytest.approx(o_alone.final_loss, abs=1e-5)
        assert len(o_together.trace) == len(o_alone.trace)
        assert [t["loss"] for t in o_together.trace] == pytest.approx([t["loss"] for t in o_alone.trace], abs=1e-5)
    lengths = [len(o.trace) for o in outcomes]      # steps trained + the final measurement
    if "stop_kl" in params:
        assert min(lengths) < 13 and max(lengths) == 13 and len(set(lengths)) > 2
    else:
        assert lengths == [13] * 6
    # The edits did something, and each slot is its own case's edit.
    assert all(o.trace[-1]["loss"] < o.trace[0]["loss"] for o in outcomes if len(o.trace) > 2)   # trained a step
    together = np.array(together)                                  # [edit slot, pair]
    trained = [i for i in range(6) if lengths[i] > 2]             # (a case stopped at step 0 is the base model)
    assert min(np.abs(together[i] - together[j]).max() for i in trained for j in trained if j < i) > 1e-6
    if name == "lora":         # trained on the target string: case i's target rises under edit i
        assert (np.diag(together) > p_before).all()
    editor.reset()
    after = model.state_dict()
    assert list(after) == list(before) and all(torch.equal(before[k], after[k]) for k in before)
    assert {n: p.requires_grad for n, p in model.named_parameters()} == grads
    assert not any(m._forward_hooks for m in model.modules())
    assert (np.exp(score(model, tok, pairs)) == p_before).all()


@pytest.mark.parametrize("parallel", [True, False])
def test_an_edit_at_the_subjects_positions_leaves_every_other_subjects_prompt_exactly(pipeline, two_layers, parallel):
    world, _, requests = pipeline
    model, tok, _ = load_checkpoint(two_layers, "cpu")
    requests = requests[:4]
    assert len({r.subject for r in requests}) == 4
    own = [(r.prompt, r.continuation) for r in requests]
    quoted = [(f'"{r.prompt}', f' {r.target}" is') for r in requests]          # the subject after a quote
    p_own, p_quoted = np.exp(score(model, tok, own)), np.exp(score(model, tok, quoted))
    editor = make_editor("lora", model, tok, {"lr": "1e-2", "steps": "12", "positions": "subject"})
    seeds = [edit_seed(0, r.case_id) for r in requests]
    if parallel:
        editor.edit_cases(requests, seeds)
        seen = _each_case(editor, model, tok, 4, own)
        seen_quoted = _each_case(editor, model, tok, 4, quoted)
    else:
        seen, seen_quoted = [], []
        for r, seed in zip(requests, seeds):
            editor.edit([r], seed=seed)
            seen.append(np.exp(score(model, tok, own)))
            seen_quoted.append(np.exp(score(model, tok, quoted)))
            editor.reset()
    for i in range(4):
        others = [j for j in range(4) if j != i]
        assert (seen[i][others] == p_own[others]).all()                   # bit-identical: no delta there
        assert (seen_quoted[i][others] == p_quoted[others]).all()
        assert seen[i][i] > p_own[i] and seen_quoted[i][i] != p_quoted[i]  # and the subject's own rows move
    editor.reset()


def test_edits_without_reset_at_the_subjects_positions_keep_every_edited_subject(pipeline, two_layers):
    """--sequential applies edits one after another to one adapter: each new subject joins its positions."""
    world, _, requests = pipeline
    model, tok, _ = load_checkpoint(two_layers, "cpu")
    requests = requests[:3]
    own = [(r.prompt, r.continuation) for r in requests]
    before = np.exp(score(model, tok, own))
    editor = make_editor("lora", model, tok, {"lr": "1e-2", "steps": "12", "positions": "subject"})
    editor.edit([requests[0]], seed=1)
    first = np.exp(score(model, tok, own))
    editor.edit([requests[1]], seed=2)
    second = np.exp(score(model, tok, own))
    assert first[0] > before[0] and (first[1:] == before[1:]).all()
    assert second[1] != before[1] and second[0] != before[0] and second[2] == before[2]
    editor.reset()
    assert (np.exp(score(model, tok, own)) == before).all()


def test_rows_must_be_routed_to_a_case(pipeline):
    world, ckpt, requests = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    editor = make_editor("lora", model, tok, {"steps": "1"})
    editor.edit_cases(requests[:3], [1, 2, 3])
    pairs = [(requests[0].prompt, requests[0].continuation)] * 2
    editor.route([0])                                  # one slot for a batch of two rows
    with pytest.raises(RuntimeError, match="one case per row"):
        score(model, tok, pairs)
    with pytest.raises(IndexError, match="out of range"):
        editor.route([0, 3])
    with pytest.raises(RuntimeError, match="reset"):
        editor.edit_cases(requests[:3], [1, 2, 3])
    editor.reset()
    assert np.isfinite(score(model, tok, pairs)).all()


def test_edit_parallel_evaluation_equals_the_case_by_case_evaluation(pipeline, tmp_path):
    world, ckpt, _ = pipeline
    runs = {}
    for b in (1, 5):               # 16 cases: groups of 5, 5, 5 and 1
        config = EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"lr": "1e-2", "steps": "8"},
                            device="cpu", parallel_edits=b)
        summary = evaluate(config, tmp_path / f"b{b}")
        assert (summary.n_done, summary.parallel_edits) == (N_CASES, b)
        runs[b] = result_rows(tmp_path / f"b{b}")
    one, five = runs[1], runs[5]
    assert one["generations"] == five["generations"]
    for a, b in zip(one["probe_scores"], five["probe_scores"], strict=True):
        assert a[:5] == b[:5]                       # case, phase, probe, role, object
        assert abs(np.exp(a[5]) - np.exp(b[5])) < 1e-5 and abs(a[5] - b[5]) < 1e-4 and abs(a[6] - b[6]) < 1e-5
    for a, b in zip(one["logical_scores"], five["logical_scores"], strict=True):
        assert a[:3] == b[:3] and abs(a[3] - b[3]) < 1e-5
    for a, b in zip(one["edits"], five["edits"], strict=True):
        assert a[0] == b[0] and abs(a[1] - b[1]) < 1e-5
    # The edits moved the post-edit beliefs (the comparison is not between two unedited models).
    pre = {r[:5]: r[5] for r in one["probe_scores"] if r[1] == "pre"}
    post = {r[:5]: r[5] for r in one["probe_scores"] if r[1] == "post"}
    moved = [abs(post[k[:1] + ("post",) + k[2:]] - v) for k, v in pre.items() if k[2] == "s1r1" and k[3] == "requested"]
    assert np.mean(moved) > 0.05


def test_editors_that_edit_one_case_at_a_time_refuse_parallel_edits(pipeline, tmp_path):
    world, ckpt, requests = pipeline
    with pytest.raises(KgeditError, match="one case at a time") as err:
        evaluate(EvalConfig(model=str(ckpt), world_db=str(world), editor="ft", device="cpu", parallel_edits=4),
                 tmp_path / "ft")
    assert "--parallel-edits" in err.value.hint
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    ft, lora = make_editor("ft", model, tok), make_editor("lora", model, tok)
    assert resolve_parallel_edits(None, ft, requests, model) == 1
    assert resolve_parallel_edits(None, lora, requests, model) == len(requests)     # 16 < the CPU cap
    assert resolve_parallel_edits(None, lora, requests * 10, model) == 64
    assert resolve_parallel_edits(3, lora, requests, model) == 3
    bayes = make_editor("bayes", model, tok)
    bayes.prepare(world, requests)
    rows = bayes.rows_per_case(requests)             # candidates of two relations, 4 T/F, 8 locality
    assert rows > 12
    assert resolve_parallel_edits(None, bayes, requests * 10, model) == max(1, min(64, int(512 // rows)))
    with pytest.raises(KgeditError, match="at least 1"):
        evaluate(EvalConfig(model=str(ckpt), world_db=str(world), device="cpu", parallel_edits=0), tmp_path / "z")
