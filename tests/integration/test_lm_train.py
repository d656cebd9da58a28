"""Pretraining really learns, resumes exactly, and refuses bad input with a hint."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.curves import read_log
from kgedit.lm.presets import get_preset
from kgedit.lm.train import TrainConfig, train
from tests.conftest import write_world
from tests.lm_corpus import facts, write_corpus

# The tiny preset with short blocks: the hand-made corpus is only ~9k tokens.
OVERFIT = replace(get_preset("tiny"), block_size=64, batch_size=8, warmup_steps=20,
                  eval_every_tokens=512 * 100, save_every_tokens=512 * 100)
MICRO = replace(get_preset("tiny"), hidden_size=32, intermediate_size=64, num_layers=2, num_heads=2, num_kv_heads=2,
                block_size=32, batch_size=4, warmup_steps=2, eval_every_tokens=128 * 4, save_every_tokens=128 * 3)


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "world.duckdb"
    con = db.connect(path)
    write_corpus(con)
    con.close()
    return path


@pytest.mark.slow
def test_tiny_model_memorises_a_twenty_fact_corpus(world, tmp_path):
    from kgedit.lm.decoding import greedy_decode

    out = tmp_path / "ckpt"
    result = train(world, out, TrainConfig(OVERFIT, tokens=512 * 200, n_probe_facts=100))
    assert result.final["gen_acc"] == 1.0
    log = read_log(out)
    assert [r["step"] for r in log] == [100, 200]
    assert log[-1]["loss"] < log[0]["loss"] < 3.0
    assert (out / "training_curves.png").stat().st_size > 10_000
    model, tok, config = load_checkpoint(out, device="cpu")
    assert config.complete and config.step == 200 and config.preset["name"] == "tiny"
    # Greedy answers stop at the sentence boundary by themselves (max_new_tokens leaves room to run on).
    answers = greedy_decode(model, tok, [f"{s} {r}" for s, r, _ in facts()], max_new_tokens=8)
    assert answers == [f" {o}" for *_, o in facts()]


def _weights(out):
    model, _, _ = load_checkpoint(out, device="cpu")
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_resumed_training_equals_uninterrupted_training(world, tmp_path):
    import torch

    cfg = TrainConfig(MICRO, tokens=128 * 12, n_probe_facts=5, n_probe_sentences=3, seed=7)
    straight = train(world, tmp_path / "a", cfg)
    first = train(world, tmp_path / "b", cfg, stop_after_steps=7)      # checkpoint at 7 (saves at 3, 6, stop)
    assert first.step == 7 and not load_checkpoint(tmp_path / "b", "cpu")[2].complete
    resumed = train(world, tmp_path / "b", TrainConfig(MICRO, seed=7, n_probe_facts=5, n_probe_sentences=3), resume=True)
    assert straight.step == resumed.step == 12
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    log_a, log_b = read_log(tmp_path / "a"), read_log(tmp_path / "b")
    assert [(r["step"], r["loss"], r["gen_acc"]) for r in log_a] == [(r["step"], r["loss"], r["gen_acc"]) for r in log_b]


def test_training_refuses_to_overwrite_or_resume_nothing(world, tmp_path):
    cfg = TrainConfig(MICRO, tokens=128, n_probe_facts=3, n_probe_sentences=2)
    train(world, tmp_path / "c", cfg)
    with pytest.raises(KgeditError, match="already holds") as err:
        train(world, tmp_path / "c", cfg)
    assert "--resume" in err.value.hint
    with pytest.raises(KgeditError, match="No checkpoint directory"):
        train(world, tmp_path / "missing", cfg, resume=True)
    with pytest.raises(KgeditError, match="budget"):
        train(world, tmp_path / "c", replace(cfg, tokens=256), resume=True)
    with pytest.raises(KgeditError, match="preset"):
        train(world, tmp_path / "c", replace(cfg, preset=get_preset("small")), resume=True)


def test_world_without_corpus_and_bad_checkpoints_give_hints(tmp_path):
    path = tmp_path / "bare.duckdb"
    con = db.connect(path)
    write_world(con, [("educated at", "occupation")], facts())
    con.close()
    with pytest.raises(KgeditError, match="no corpus") as err:
        train(path, tmp_path / "out", TrainConfig(MICRO, tokens=128))
    assert "kgedit corpus build" in err.value.hint
    (tmp_path / "junk").mkdir()
    with pytest.raises(KgeditError, match="not a kgedit checkpoint"):
        load_checkpoint(tmp_path / "junk")
    with pytest.raises(KgeditError, match="No checkpoint directory"):
        load_checkpoint(tmp_path / "nowhere")
