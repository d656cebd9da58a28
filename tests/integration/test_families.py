"""Every family of kgedit.lm.families on a random 2-layer model with its own tokenizer convention
(tests/families.py): every editor edits and raises the edited fact's probability and resets bit-for-bit;
edit-parallel lora and bayes equal one case at a time; batched scoring and decoding equal one prompt at a
time; `kgedit evaluate` writes its tables; `kgedit train --init` continues pretraining and resumes exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from kgedit import db
from kgedit.editors import EditRequest, make_editor
from kgedit.evaluate.run import edit_seed
from kgedit.lm import families
from kgedit.lm.config import TrainConfig
from kgedit.lm.decoding import greedy_decode
from kgedit.lm.model_folder import load_model_folder
from kgedit.lm.scoring import score
from kgedit.lm.tokenizer import encode, split_pairs
from kgedit.lm.train import train
from tests.eval_world import MICRO

FAMILIES = sorted(families.FAMILIES)
# Few steps, a large step size: a random model must move visibly. rome and memit write at the prompt's last
# token, whose value reaches the output through the residual stream alone (random attention carries little).
EDITORS = {"lora": {"steps": "6", "lr": "1e-2"},
           "bayes": {"steps": "6", "lr": "1e-2"},
           "ft": {"steps": "4"}, "ft_l": {"steps": "4", "norm_constraint": "0.1"},
           "rome": {"v_steps": "8", "stats_tokens": "2000", "token": "last"},
           "memit": {"v_steps": "8", "stats_tokens": "2000", "token": "last", "layers": "0,1"}}


def _requests(world, n):
    con = db.connect(world, read_only=True)
    try:
        rows = db.fetch(con, "SELECT c.case_id, c.edit_prompt, c.requested_object, c.subject_id, c.relation_id, "
                             "c.requested_object_id, s.name FROM cases c JOIN entities s ON s.entity_id = c.subject_id "
                             "ORDER BY c.case_id LIMIT $n", {"n": n})[1]
    finally:
        con.close()
    return [EditRequest(p, t, cid, sid, rid, oid, s) for cid, p, t, sid, rid, oid, s in rows]


def _share(model, tok, request, objects) -> float:
    """log p(target) normalised over `objects` (the target alone: the raw log-probability)."""
    lp = score(model, tok, [(request.prompt, " " + o) for o in objects])
    return float(lp[objects.index(request.target)] - np.logaddexp.reduce(lp)) if len(objects) > 1 else float(lp[0])


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("model_type", FAMILIES)
def test_the_family_table_finds_every_part(family_model, model_type):
    _, folder = family_model(model_type)
    model, _ = load_model_folder(folder, "cpu", "fp32")
    modules = {id(m) for m in model.modules()}
    hidden, layers = families.shape(model).hidden, families.decoder_layers(model)
    assert families.n_layers(model) == len(layers) == 2
    for part in (families.embedding(model), families.final_norm(model), families.attention(model, 1), families.mlp(model, 1)):
        assert id(part) in modules
    out = families.mlp_out(model, 1)
    assert id(out) in {id(m) for m in families.mlp(model, 1).modules()}
    assert families.projection_dims(out) == (64, hidden) and families.projection_weight(out).shape == (hidden, 64)
    before = out.weight.detach().clone()
    with torch.no_grad():                         # the [out, in] view writes the module's weight
        families.projection_weight(out)[0, 1] += 1.0
    # GPT-2's Conv1D stores [in, out]: element (out 0, in 1) is its weight[1, 0]
    assert (out.weight != before).nonzero().tolist() == ([[1, 0]] if model_type == "gpt2" else [[0, 1]])
    name = families.mlp_out_name(model)
    assert [m for n, m in model.named_modules() if n.endswith("." + name)] == [families.mlp_out(model, l) for l in (0, 1)]
    assert families.mlp_projection_names(model)[0] == name.rsplit(".", 1)[-1]


def test_the_readme_lists_every_family():
    from tests.conftest import REPO

    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Your own model")[1].split("\n## ")[0]
    assert all(f"`{name}`" in section for name in FAMILIES)


@pytest.mark.parametrize("model_type", FAMILIES)
def test_every_editor_raises_the_edited_fact_and_resets_exactly(family_model, model_type):
    world, folder = family_model(model_type)
    model, tok = load_model_folder(folder, "cpu", "fp32")
    before = _state(model)
    (request,) = _requests(world, 1)
    for name, params in EDITORS.items():
        editor = make_editor(name, model, tok, params)
        editor.prepare(world, [request])
        # bayes trains toward the posterior over the relation's objects: the target's share among them rises
        objects = (editor._targets[(request.subject_id, request.relation_id, request.object_id)].consequences[0].objects
                   if name == "bayes" else [request.target])
        p0 = _share(model, tok, request, objects)
        editor.edit([request], seed=1)
        assert _share(model, tok, request, objects) > p0 + 1e-3, name
        editor.reset()
        after = model.state_dict()
        assert list(after) == list(before) and all(torch.equal(before[k], after[k]) for k in before), name
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


@pytest.mark.parametrize("model_type", FAMILIES)
def test_parallel_lora_and_bayes_equal_one_case_at_a_time(family_model, model_type):
    world, folder = family_model(model_type)
    model, tok = load_model_folder(folder, "cpu", "fp32")
    requests = _requests(world, 3)
    seeds = [edit_seed(0, r.case_id) for r in requests]
    pairs = [(r.prompt, r.continuation) for r in requests]
    for name in ("lora", "bayes"):
        editor = make_editor(name, model, tok, {"steps": "4", "lr": "1e-2"})
        editor.prepare(world, requests)
        alone = []
        for r, seed in zip(requests, seeds):
            editor.edit([r], seed=seed)
            alone.append(score(model, tok, pairs))
            editor.reset()
        editor.edit_cases(requests, seeds)
        together = [score(model, tok, pairs, batch_size=2, on_batch=lambda idx, i=i: editor.route([i] * len(idx)))
                    for i in range(len(requests))]
        editor.reset()
        assert np.abs(np.exp(np.array(alone)) - np.exp(np.array(together))).max() < 1e-5, name


@pytest.mark.parametrize("model_type", FAMILIES)
def test_batched_scoring_and_decoding_equal_one_prompt_at_a_time(family_model, model_type):
    world, folder = family_model(model_type)
    model, tok = load_model_folder(folder, "cpu", "fp32")
    requests = _requests(world, 8)
    pairs = [(r.prompt, r.continuation) for r in requests] + [(f'"{r.prompt} {r.target}" is', " true")
                                                              for r in requests[:4]]
    batched = score(model, tok, pairs, batch_size=5)
    single = np.array([score(model, tok, [p], batch_size=1)[0] for p in pairs])
    assert np.abs(batched - single).max() < 1e-5
    prompts = [p for p, _ in pairs]
    assert greedy_decode(model, tok, prompts, 4, batch_size=5) == [greedy_decode(model, tok, [p], 4)[0] for p in prompts]
    # The scored tokens are the continuation as the model reads it in the joined text.
    for (prompt, cont), (ctx, ids) in zip(pairs, split_pairs(tok, pairs)):
        assert ctx + ids == encode(tok, [prompt + cont])[0] and ids and tok.decode(ids).strip() == cont.strip()


@pytest.mark.parametrize("model_type", FAMILIES)
def test_train_init_continues_pretraining_and_resumes_exactly(family_model, model_type, tmp_path):
    world, folder = family_model(model_type)
    preset = dataclasses.replace(MICRO, tokens=64 * 4 * 2)
    config = TrainConfig(preset=preset, init=str(folder), n_probe_facts=3, n_probe_sentences=1)
    whole = train(world, tmp_path / "whole", config)
    train(world, tmp_path / "part", config, stop_after_steps=1)
    resumed = train(world, tmp_path / "part", config, resume=True)
    assert whole.step == resumed.step == 2
    a, _ = load_model_folder(tmp_path / "whole", "cpu", "fp32")
    b, tok = load_model_folder(tmp_path / "part", "cpu", "fp32")
    start, _ = load_model_folder(folder, "cpu", "fp32")
    assert type(a) is type(start) and len(tok) == len(load_model_folder(folder, "cpu")[1])
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), start.state_dict().values()))


@pytest.mark.parametrize("model_type", FAMILIES)
def test_causal_tracing_runs_on_every_family(family_model, model_type):
    """Batched restoration equals one forward pass per cell; the last layer restored at the last token is the
    clean run; restoring MLP and attention outputs works whatever shape the family's modules return."""
    from kgedit.trace.grid import Cell, grid_cells
    from kgedit.trace.restore import clean_run, loop_restored_probs, restored_probs
    from kgedit.trace.run import Candidate, encode_prompt

    _, folder = family_model(model_type)
    model, tok = load_model_folder(folder, "cpu", "fp32")
    kinds = ("hidden", "mlp", "attn")
    row, texts = encode_prompt(tok, Candidate("fact", 1, "Mabel Ashby", "Mabel Ashby place of birth", "Eastdale"))
    p_clean, clean = clean_run(model, row, kinds)
    hidden = families.embedding(model).weight.shape[1]
    noise = torch.randn(2, len(row.subject), hidden, generator=torch.Generator().manual_seed(0))
    cells = grid_cells(kinds, len(texts), families.n_layers(model), 1)
    batched = restored_probs(model, row, clean, noise, cells, batch_rows=5)
    assert torch.allclose(batched, loop_restored_probs(model, row, clean, noise, cells), atol=1e-6, rtol=0)
    last = restored_probs(model, row, clean, noise, [Cell("hidden", (len(texts),), (families.n_layers(model) - 1,))])
    assert torch.allclose(last, torch.full_like(last, p_clean), atol=1e-6, rtol=0)
