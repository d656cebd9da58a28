"""The editor interface and the paper's LoRA editor: the edit raises p(target), the reset is exact."""

from __future__ import annotations

import pytest
import torch

from kgedit.editors import EditRequest, editor_names, make_editor
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.scoring import score


@pytest.fixture(scope="module")
def ckpt(pipeline):
    return pipeline.checkpoint


def _snapshot(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


REQUEST = EditRequest("Arthur Ashby occupation", "librarian", case_id=0)


def test_lora_edit_raises_target_probability_and_reset_is_bit_identical(ckpt):
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    before = _snapshot(model)
    grads = {n: p.requires_grad for n, p in model.named_parameters()}
    pair = [(REQUEST.prompt, REQUEST.continuation)]
    lp_before = score(model, tok, pair)[0]
    editor = make_editor("lora", model, tok, {"lr": "1e-2"})
    outcome = editor.edit([REQUEST], seed=1, trace=True)
    assert score(model, tok, pair)[0] > lp_before + 1.0
    assert len(outcome.trace) == editor.params.steps + 1
    assert outcome.trace[-1]["loss"] < outcome.trace[0]["loss"]
    assert outcome.seconds > 0
    editor.reset()
    after = model.state_dict()
    assert list(after) == list(before)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert {n: p.requires_grad for n, p in model.named_parameters()} == grads
    assert score(model, tok, pair)[0] == lp_before
    assert not any("lora" in name for name, _ in model.named_modules())


def test_lora_uses_the_papers_hyperparameters_on_every_down_proj(ckpt):
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    editor = make_editor("lora", model, tok)
    p = editor.params
    assert (p.rank, p.alpha, p.target_modules, p.lr, p.weight_decay, p.steps) == (1, 8.0, ("down_proj",), 1e-4, 1e-4, 40)
    editor.edit([REQUEST], seed=0)
    lora_modules = [n for n, _ in model.named_modules() if n.endswith("down_proj")]
    layers = model.config.num_hidden_layers
    assert len(lora_modules) == layers
    assert sum(1 for n, _ in model.named_modules() if n.endswith("lora_A")) == layers
    editor.reset()


def test_same_seed_gives_the_same_edit(ckpt):
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    editor = make_editor("lora", model, tok, {"steps": "5"})
    runs = []
    for seed in (7, 7, 8):
        editor.edit([REQUEST], seed=seed)
        runs.append(score(model, tok, [(REQUEST.prompt, REQUEST.continuation)])[0])
        editor.reset()
    assert runs[0] == runs[1] != runs[2]


def test_unknown_editor_and_bad_parameters_are_clear_errors(ckpt):
    model, tok, _ = load_checkpoint(ckpt, "cpu")
    assert "lora" in editor_names()
    with pytest.raises(KgeditError, match="Unknown editor 'lorra'") as err:
        make_editor("lorra", model, tok)
    assert "lora" in err.value.hint
    with pytest.raises(KgeditError, match="no parameter 'stepz'") as err:
        make_editor("lora", model, tok, {"stepz": "3"})
    assert "steps" in err.value.hint
    with pytest.raises(KgeditError, match="not a valid int"):
        make_editor("lora", model, tok, {"steps": "many"})
    with pytest.raises(KgeditError, match="at least one request"):
        make_editor("lora", model, tok).edit([])
