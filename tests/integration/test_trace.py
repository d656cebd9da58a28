"""Causal tracing (kgedit.trace): restoring everything recovers the clean run, no noise means no effect,
the batched grid equals one forward pass per cell, a seed fixes the trace, wrong answers are skipped and
counted, and rome/memit's layer=trace reads the trace cached beside the checkpoint."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from kgedit.editors import EditRequest, make_editor
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.trace.config import TraceConfig
from kgedit.trace.grid import Cell, grid_cells
from kgedit.trace.restore import clean_run, loop_restored_probs, restored_probs
from kgedit.trace.run import Candidate, encode_prompt, plan_trace, run_trace
from kgedit.trace.site import site_key
from tests.eval_world import answer_world

KINDS = ("hidden", "mlp", "attn")


@pytest.fixture(scope="module")
def answered(pipeline):
    """The module's micro pipeline, its world changed so the model answers some corpus facts correctly."""
    assert answer_world(pipeline.world, pipeline.checkpoint) > 0
    return pipeline


@pytest.fixture(scope="module")
def deep(pipeline):
    """A randomly initialised 3-layer Mistral with the pipeline's tokenizer, and one prompt row."""
    from transformers import MistralConfig, MistralForCausalLM

    _, tok, _ = load_checkpoint(pipeline.checkpoint, "cpu")
    torch.manual_seed(0)
    model = MistralForCausalLM(MistralConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                                             num_hidden_layers=3, num_attention_heads=2, num_key_value_heads=2,
                                             max_position_embeddings=64)).eval()
    row, texts = encode_prompt(tok, Candidate("fact", 7, "Mabel Ashby", "Mabel Ashby place of birth", "Eastdale"))
    p, clean = clean_run(model, row, KINDS)
    noise = torch.randn(3, len(row.subject), 32, generator=torch.Generator().manual_seed(0))
    return model, row, len(texts), p, clean, noise


def test_restoring_every_layer_at_every_token_recovers_the_clean_probability(deep):
    model, row, n_tokens, p_clean, clean, noise = deep
    everything = Cell("hidden", tuple(range(1, n_tokens + 1)), (0, 1, 2))
    corrupted = restored_probs(model, row, clean, noise, [Cell("hidden")])
    assert (corrupted - p_clean).abs().min() > 1e-6              # the noise does change the answer
    last = Cell("hidden", (n_tokens,), (2,))                     # the last layer at the last token
    restored = restored_probs(model, row, clean, noise, [everything, last])
    assert restored.flatten().tolist() == [p_clean] * 6          # the last layer's output is the clean one


def test_zero_noise_gives_zero_effect(deep):
    model, row, n_tokens, p_clean, clean, noise = deep
    probs = restored_probs(model, row, clean, noise * 0, grid_cells(KINDS, n_tokens, 3, 2))
    assert (probs - p_clean).abs().max() < 1e-6


def test_the_batched_grid_equals_one_forward_pass_per_cell(deep):
    model, row, n_tokens, _, clean, noise = deep
    cells = grid_cells(KINDS, n_tokens, 3, 2)
    loop = loop_restored_probs(model, row, clean, noise, cells)
    for batch_rows in (7, 512):                                  # rows of one chunk span samples and kinds
        assert (restored_probs(model, row, clean, noise, cells, batch_rows) - loop).abs().max() < 1e-6
    assert loop.std(1).min() > 0                                  # the cells differ from one another


def _trace(pipeline, **options):
    model, tok, _ = load_checkpoint(pipeline.checkpoint, "cpu")
    config = TraceConfig(model=str(pipeline.checkpoint), world_db=str(pipeline.world), facts=20, samples=2, **options)
    return run_trace(model, tok, plan_trace(model, tok, pipeline.world, config), config)


def test_a_trace_is_fixed_by_its_seed(answered):
    first, again, other = _trace(answered), _trace(answered), _trace(answered, seed=1)
    assert [p.restored["mlp"].tolist() for p in first.traced] == [p.restored["mlp"].tolist() for p in again.traced]
    assert first.plan == again.plan and first.average["attn"].tolist() == again.average["attn"].tolist()
    assert [p.candidate for p in other.prompts] != [p.candidate for p in first.prompts]


def test_a_fact_the_model_gets_wrong_is_skipped_and_counted(answered):
    result = _trace(answered)
    wrong = [p for p in result.prompts if not p.correct]
    assert wrong and result.traced and len(wrong) + len(result.traced) == 20
    assert all(not p.restored and np.isnan(p.p_clean) for p in wrong)
    assert all(p.restored["hidden"].shape == (len(p.tokens), 1) for p in result.traced)
    assert int(result.class_counts[0]) == len(result.traced)      # every traced prompt has a first subject token


def test_a_world_the_model_answers_nothing_of_is_an_error(copy_pipeline, tmp_path):
    fresh = copy_pipeline(tmp_path)                 # not the module's copy, which `answered` changes
    world = fresh.world
    model, tok, _ = load_checkpoint(fresh.checkpoint, "cpu")
    config = TraceConfig(model="", world_db=str(world), facts=5)
    with pytest.raises(KgeditError, match="answers none of the 5 traced facts"):
        run_trace(model, tok, plan_trace(model, tok, world, config), config)


def test_rome_and_memit_place_the_edit_at_the_cached_traced_layer(answered, tmp_path):
    ckpt = shutil.copytree(answered.checkpoint, tmp_path / "ckpt")
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    request = EditRequest("Felix Green country of citizenship", "Eastdale", subject="Felix Green")
    rome = make_editor("rome", model, tok, {"layer": "trace", "stats_tokens": "2000"})
    with pytest.raises(KgeditError, match="found by prepare"):
        rome.layers
    rome.prepare(answered.world, [request])
    assert rome.layers == [0] and rome._site.n_traced > 0
    (cached,) = (ckpt / "kgedit_stats").glob("trace_*.json")
    config = TraceConfig(model="", world_db=str(answered.world), kind="mlp")
    assert cached.name == f"trace_{site_key(model, plan_trace(model, tok, answered.world, config), config)}.json"
    cached.write_text(json.dumps({**json.loads(cached.read_text()), "n_traced": 999}))
    memit = make_editor("memit", model, tok, {"layers": "trace", "stats_tokens": "2000"})
    memit.prepare(answered.world, [request])
    assert memit.layers == [0] and memit._site.n_traced == 999    # read from the cache, not traced again
    memit.edit([request])
    memit.reset()
