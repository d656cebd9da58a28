"""The fine-tuning baselines ft and ft_l: the edited fact changes, unrelated facts barely move, the
L∞ bound holds, and the reset is exact."""

from __future__ import annotations

import pytest
import torch

from kgedit import db
from kgedit.editors import EditRequest, make_editor
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.scoring import score


def _facts(world, n: int) -> list[tuple[str, str]]:
    con = db.connect(world, read_only=True)
    try:
        rows = db.fetch(con, "SELECT s.name || ' ' || r.label, ' ' || o.name FROM corpus_facts f "
                             "JOIN entities s ON s.entity_id = f.subject_id JOIN relations r USING (relation_id) "
                             "JOIN entities o ON o.entity_id = f.object_id ORDER BY f.fact_id LIMIT ?", [n])[1]
    finally:
        con.close()
    return [(p, c) for p, c in rows]


@pytest.mark.parametrize("name, sets", [("ft", {"lr": "3e-3", "steps": "10"}),
                                        ("ft_l", {"lr": "1e-2", "steps": "10", "norm_constraint": "2e-2"})])
def test_edit_moves_the_fact_not_its_neighbours_and_resets_exactly(pipeline, name, sets):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    facts = _facts(world, 41)
    (prompt, _), unrelated = facts[0], facts[1:]
    request = EditRequest(prompt, "librarian")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads = {n: p.requires_grad for n, p in model.named_parameters()}
    lp_target, lp_other = score(model, tok, [(prompt, request.continuation)])[0], score(model, tok, unrelated)
    editor = make_editor(name, model, tok, sets)
    outcome = editor.edit([request], seed=0, trace=True)
    assert score(model, tok, [(prompt, request.continuation)])[0] > lp_target + 1.0
    assert outcome.trace[-1]["loss"] < outcome.trace[0]["loss"] and len(outcome.trace) == 11
    moved = abs(score(model, tok, unrelated) - lp_other)
    assert moved.mean() < 0.5, f"unrelated facts moved by {moved.mean():.2f} nats on average"
    changed = [k for k in before if not torch.equal(before[k], model.state_dict()[k])]
    assert changed == ["model.layers.0.mlp.down_proj.weight"]            # one module of one layer
    if name == "ft_l":
        delta = (model.state_dict()[changed[0]] - before[changed[0]]).abs().max()
        assert delta <= 2e-2 + 1e-7
    editor.reset()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert {n: p.requires_grad for n, p in model.named_parameters()} == grads


def test_sequential_edits_accumulate_and_one_reset_undoes_them_all(pipeline):
    world, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    editor = make_editor("ft_l", model, tok, {"lr": "1e-2", "steps": "5", "norm_constraint": "1e-2"})
    (p1, _), (p2, _) = _facts(world, 2)
    editor.edit([EditRequest(p1, "librarian")])
    first = model.state_dict()["model.layers.0.mlp.down_proj.weight"].clone()
    editor.edit([EditRequest(p2, "pilot")])
    second = model.state_dict()["model.layers.0.mlp.down_proj.weight"]
    assert (second - first).abs().max() <= 1e-2 + 1e-7               # the bound is per edit
    assert not torch.equal(first, second)
    editor.reset()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_bad_parameters_are_clear_errors(pipeline):
    _, ckpt = pipeline
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    with pytest.raises(KgeditError, match="out of range: the model has 1 layers"):
        make_editor("ft", model, tok, {"layer": "3"})
    with pytest.raises(KgeditError, match="has no MLP projection .o_proj.*down_proj, up_proj, gate_proj"):
        make_editor("ft", model, tok, {"module": "o_proj"})
    with pytest.raises(KgeditError, match="norm_constraint must be greater than 0"):
        make_editor("ft_l", model, tok, {"norm_constraint": "0"})
