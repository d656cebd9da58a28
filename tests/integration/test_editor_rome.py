"""rome and memit (SPEC §8): the edit raises p(target) and leaves other subjects' facts nearly alone,
ROME's update maps k* to v* exactly, C is cached per model and layer, the reset is bit-identical."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import torch

from kgedit import db
from kgedit.editors import EditRequest, editor_names, make_editor
from kgedit.editors import keystats
from kgedit.editors.keyvalue import context_prefixes
from kgedit.editors.memit import memit_update
from kgedit.editors.rome import rank_one_update
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.config import TrainConfig
from kgedit.lm.scoring import score
from kgedit.lm.train import train
from tests.eval_world import MICRO

# Two layers (rome edits layer 0 by the automatic rule, memit can be given both); small key statistics.
MICRO2 = dataclasses.replace(MICRO, num_layers=2)
FAST = {"stats_tokens": "4000", "v_lr": "2.0", "clamp_norm_factor": "20"}


@pytest.fixture(scope="module")
def setup(pipeline, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rome")
    world = pipeline.world
    train(world, folder / "ckpt", TrainConfig(preset=MICRO2, n_probe_facts=5, n_probe_sentences=2))
    con = db.connect(world, read_only=True)
    try:
        _, rows = db.fetch(con, "SELECT c.case_id, c.edit_prompt, c.requested_object, s.name, o.name "
                                "FROM cases c JOIN entities s ON s.entity_id = c.subject_id "
                                "JOIN entities o ON o.entity_id = c.object_id ORDER BY c.case_id")
    finally:
        con.close()
    requests = [EditRequest(p, t, cid, subject=s) for cid, p, t, s, _ in rows]
    # Other subjects' facts: the prompts of the cases with their true objects.
    facts = [(p, " " + o) for _, p, _, _, o in rows]
    return world, folder / "ckpt", requests, facts


def _snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _assert_restored(model, before, grads):
    after = model.state_dict()
    assert list(after) == list(before)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert {n: p.requires_grad for n, p in model.named_parameters()} == grads


def _edit_and_check(setup, name: str, overrides: dict[str, str], n_edits: int, *, check_others: bool = True):
    world, ckpt, requests, facts = setup
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before, grads = _snapshot(model), {n: p.requires_grad for n, p in model.named_parameters()}
    edits = requests[:n_edits]
    edited = {r.subject for r in edits}
    others = [f for f, r in zip(facts, requests) if r.subject not in edited]
    pairs = [(r.prompt, r.continuation) for r in edits]
    lp_before, others_before = score(model, tok, pairs), score(model, tok, others)
    editor = make_editor(name, model, tok, {**FAST, **overrides})
    editor.prepare(world, edits)
    outcome = editor.edit(edits, seed=0, trace=True)
    lp_after, others_after = score(model, tok, pairs), score(model, tok, others)
    rise = lp_after - lp_before
    # The micro model is trained for a few steps only: its logits barely depend on any one hidden
    # state, so no hidden-state editor moves them far (bench/rome_layers.py measures real efficacy on
    # a trained model). What must hold: the targets rise, other subjects' facts move less.
    assert rise.mean() > 0 and (rise > 0).mean() >= 0.75, rise
    if check_others:
        assert np.abs(others_after - others_before).mean() < rise.mean()
    assert outcome.trace and outcome.trace[-1]["p_target"] > outcome.trace[0]["p_target"]
    assert outcome.final_loss == pytest.approx(float(np.mean(-lp_after / _n_tokens(tok, edits))), rel=1e-4)
    editor.reset()
    _assert_restored(model, before, grads)
    assert (score(model, tok, pairs) == lp_before).all()
    return model, tok, editor


def _n_tokens(tok, requests):
    return np.array([len(tok.backend_tokenizer.encode(r.continuation, add_special_tokens=False).ids) for r in requests])


def test_rome_edit_raises_the_target_and_reset_is_bit_identical(setup):
    _, _, editor = _edit_and_check(setup, "rome", {}, 1)
    assert editor.layers == [0]        # auto: never the last layer of a 2-layer model


def test_memit_edits_several_requests_in_one_call_and_reset_is_bit_identical(setup):
    _, _, editor = _edit_and_check(setup, "memit", {"layers": "0", "mom2_update_weight": "10"}, 4,
                                   check_others=False)   # micro model: rises of ~0.01 nat, noise of the same size
    assert editor.layers == [0]


def test_memit_on_two_layers_writes_both_and_resets_them_exactly(setup):
    world, ckpt, requests, _ = setup
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before = _snapshot(model)
    editor = make_editor("memit", model, tok, {**FAST, "layers": "0,1"})
    editor.prepare(world, requests[:4])
    editor.edit(requests[:4])
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {f"model.layers.{l}.mlp.down_proj.weight" for l in (0, 1)}
    editor.reset()
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def _poison(editor, layer: int) -> torch.Tensor:
    """Make the layer's solve non-finite (NaN key statistics C); returns the good C."""
    good = editor._cov[layer]
    editor._cov[layer] = torch.full_like(good, float("nan"))
    return good


def test_rome_refuses_a_non_finite_solution_and_leaves_the_model_as_it_was(setup):
    world, ckpt, requests, _ = setup
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before, grads = _snapshot(model), {n: p.requires_grad for n, p in model.named_parameters()}
    editor = make_editor("rome", model, tok, FAST)
    editor.prepare(world, requests[:1])
    _poison(editor, editor.layers[0])
    with pytest.raises(KgeditError, match="layer 0 is not finite") as err:
        editor.edit(requests[:1])
    assert "left as it was" in err.value.message and "stats_tokens" in err.value.hint
    _assert_restored(model, before, grads)
    editor.reset()
    _assert_restored(model, before, grads)


def test_memit_refuses_a_non_finite_solution_and_puts_back_the_layers_it_already_wrote(setup):
    """On layers 0,1 memit writes layer 0 before it solves layer 1: a failure there undoes layer 0,
    on a first edit (back to the original) and after an earlier edit (back to that edit's weights)."""
    world, ckpt, requests, _ = setup
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    original, grads = _snapshot(model), {n: p.requires_grad for n, p in model.named_parameters()}
    editor = make_editor("memit", model, tok, {**FAST, "layers": "0,1"})
    editor.prepare(world, requests[:2])
    good = _poison(editor, 1)
    with pytest.raises(KgeditError, match="layer 1 is not finite"):
        editor.edit(requests[:1])
    _assert_restored(model, original, grads)
    editor._cov[1] = good
    editor.edit(requests[:1])
    first = _snapshot(model)
    assert not torch.equal(first["model.layers.0.mlp.down_proj.weight"],
                           original["model.layers.0.mlp.down_proj.weight"])
    _poison(editor, 1)
    with pytest.raises(KgeditError, match="layer 1 is not finite"):
        editor.edit(requests[1:2])
    _assert_restored(model, first, grads)
    editor.reset()
    _assert_restored(model, original, grads)


def test_rank_one_update_maps_the_key_to_the_value_and_keeps_c_orthogonal_keys():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(8, 16, generator=g)
    a = torch.randn(16, 64, generator=g, dtype=torch.float64)
    c = a @ a.T / 64                                  # a full-rank second moment
    k, v = torch.randn(16, generator=g), torch.randn(8, generator=g)
    new = rank_one_update(w, c, k, v)
    assert torch.allclose(new @ k.double(), v.double(), rtol=0, atol=1e-10)
    u = torch.linalg.solve(c, k.double())
    other = torch.randn(16, generator=g, dtype=torch.float64)
    other -= (u @ other) / (u @ u) * u                # uᵀ k' = 0: such keys keep their values
    assert torch.allclose(new @ other, w.double() @ other, rtol=0, atol=1e-10)


def test_memit_update_fits_each_key_when_the_prior_weight_vanishes():
    g = torch.Generator().manual_seed(1)
    keys, resid = torch.randn(3, 16, generator=g), torch.randn(3, 8, generator=g)
    c = torch.eye(16, dtype=torch.float64)
    delta = memit_update(c, keys, resid, 1e-9)
    assert torch.allclose(delta @ keys.double().T, resid.double().T, atol=1e-6)


def test_key_statistics_are_cached_beside_the_checkpoint_per_layer(setup, monkeypatch, tmp_path):
    world, original_ckpt, requests, _ = setup
    ckpt = shutil.copytree(original_ckpt, tmp_path / "ckpt", ignore=shutil.ignore_patterns(keystats.STATS_DIR))
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    make_editor("rome", model, tok, FAST).prepare(world, requests[:1])
    files = sorted((ckpt / keystats.STATS_DIR).glob("*.safetensors"))
    assert len(files) == 1 and "layer0_tokens4000_" in files[0].name
    assert not list((ckpt / keystats.STATS_DIR).glob(".*"))            # no temporary file left behind
    computed = []
    original = keystats.second_moments
    monkeypatch.setattr(keystats, "second_moments", lambda *a: computed.append(a[3]) or original(*a))
    again = make_editor("rome", model, tok, FAST)
    again.prepare(world, requests[:1])                                  # read from disk, not recomputed
    assert computed == []
    c = again._cov[0]
    assert c.dtype == torch.float64 and torch.allclose(c, c.T) and torch.linalg.eigvalsh(c).min() > 0
    make_editor("rome", model, tok, {**FAST, "layer": "1"}).prepare(world, requests[:1])
    assert computed == [[1]]
    make_editor("rome", model, tok, {**FAST, "stats_tokens": "3000"}).prepare(world, requests[:1])
    assert computed == [[1], [0]]                                       # another budget, another C
    assert len(list((ckpt / keystats.STATS_DIR).glob("*.safetensors"))) == 3
    # A damaged cache file is recomputed and rewritten, never a crash.
    c = c.clone()
    files[0].write_bytes(files[0].read_bytes()[:-40])
    fresh = make_editor("rome", model, tok, FAST)
    fresh.prepare(world, requests[:1])
    assert computed == [[1], [0], [0]] and torch.equal(fresh._cov[0], c)
    assert keystats.load_cached(model, files[0].stem, c.shape[0]) is not None


def test_context_prefixes_are_the_empty_prefix_and_plain_corpus_sentences():
    texts = ['"A r b" is true. A r b. C q d. A r b.', "E r f."]
    assert context_prefixes(texts, 4) == ["", "A r b. ", "C q d. ", "E r f. "]
    assert context_prefixes(texts, 1) == [""]


def test_clear_errors_for_subjects_layers_and_a_missing_prepare(setup):
    world, ckpt, requests, _ = setup
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    assert {"rome", "memit"} <= set(editor_names())
    editor = make_editor("rome", model, tok, FAST)
    with pytest.raises(KgeditError, match="needs the key statistics") as err:
        editor.edit(requests[:1])
    assert "prepare" in err.value.hint
    with pytest.raises(KgeditError, match="names no subject"):
        editor.prepare(world, [dataclasses.replace(requests[0], subject="")])
    with pytest.raises(KgeditError, match="does not start with its subject"):
        editor.prepare(world, [dataclasses.replace(requests[0], subject="Nobody")])
    with pytest.raises(KgeditError, match="layer 5 does not exist"):
        make_editor("memit", model, tok, {"layers": "0,5"})
