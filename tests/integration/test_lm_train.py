"""Pretraining really learns, resumes exactly, and refuses bad input with a hint."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.lm.checkpoint import load_checkpoint
from kgedit.lm.config import TrainConfig
from kgedit.lm.curves import read_log
from kgedit.lm.presets import get_preset
from kgedit.lm.train import train
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
    assert "kgedit corpus generate" in err.value.hint
    (tmp_path / "junk").mkdir()
    with pytest.raises(KgeditError, match="not a kgedit checkpoint"):
        load_checkpoint(tmp_path / "junk")
    with pytest.raises(KgeditError, match="No checkpoint directory"):
        load_checkpoint(tmp_path / "nowhere")


class _Payload:
    """Pickles as a call of os.mkdir(marker): code that runs when the file is unpickled."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.mkdir, (self.marker,))


@pytest.fixture
def stopped(world, tmp_path):
    """A checkpoint stopped after 2 of 6 steps (resumable)."""
    cfg = TrainConfig(MICRO, tokens=128 * 6, n_probe_facts=3, n_probe_sentences=2)
    train(world, tmp_path / "ckpt", cfg, stop_after_steps=2)
    return tmp_path / "ckpt", replace(cfg, tokens=None)


def test_resume_runs_no_code_from_a_crafted_training_state(world, stopped, tmp_path):
    import torch

    from kgedit.lm.checkpoint import STATE_FILE

    ckpt, cfg = stopped
    marker = tmp_path / "code-ran"
    good = torch.load(ckpt / STATE_FILE, weights_only=True)      # the real state loads as plain data
    torch.save({**good, "optimizer": _Payload(marker)}, ckpt / STATE_FILE)
    with pytest.raises(KgeditError, match="objects other than tensors and plain values.*nothing in it was run") as err:
        train(world, ckpt, cfg, resume=True)
    assert "another --out" in err.value.hint
    assert not marker.exists()
    torch.load(ckpt / STATE_FILE, weights_only=False)              # the payload is real: unpickling runs it
    assert marker.is_dir()


@pytest.mark.parametrize("damage, message", [
    (lambda f: f.write_bytes(f.read_bytes()[:200]), "is damaged"),
    (lambda f: f.write_bytes(b"\x00garbage" * 50), "is damaged or holds objects other than tensors"),
    (lambda f: f.unlink(), "has no training_state.pt"),
    (lambda f: __import__("torch").save({"step": 2}, f), "lacks optimizer, scheduler, rng"),
    (lambda f: __import__("torch").save({"optimizer": {}, "scheduler": {}, "rng": {}, "step": 2}, f),
     "does not fit this model and preset"),
])
def test_resume_from_a_damaged_training_state_is_an_error(world, stopped, damage, message):
    from kgedit.lm.checkpoint import STATE_FILE

    ckpt, cfg = stopped
    damage(ckpt / STATE_FILE)
    with pytest.raises(KgeditError, match=message):
        train(world, ckpt, cfg, resume=True)


def test_resume_from_damaged_weights_is_an_error_naming_the_file(world, stopped):
    ckpt, cfg = stopped
    weights = ckpt / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(KgeditError, match="could not be loaded.*model.safetensors") as err:
        train(world, ckpt, cfg, resume=True)
    assert "damaged" in err.value.hint


@pytest.mark.parametrize("change, message", [
    (dict(tokens=0), "--tokens must be at least 1"),
    (dict(tokens=-5), "--tokens must be at least 1"),
    (dict(seed=-1), "--seed must be in"),
    (dict(seed=2**64), "--seed must be in"),
    (dict(save_every_tokens=0), "--save-every-tokens must be at least 1"),
])
def test_bad_training_numbers_are_refused_before_any_work(world, tmp_path, change, message):
    with pytest.raises(KgeditError, match=message):
        train(world, tmp_path / "out", replace(TrainConfig(MICRO, tokens=128), **change))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("omp_num_threads", ["1", None])
def test_cpu_training_keeps_a_users_omp_num_threads(world, tmp_path, monkeypatch, omp_num_threads):
    """Set: torch already uses it and train leaves it alone. Unset: train uses every CPU it may run on."""
    import os

    import torch

    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    if omp_num_threads is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp_num_threads)
    cfg = TrainConfig(MICRO, tokens=128 * 2, device="cpu", n_probe_facts=3, n_probe_sentences=2)
    train(world, tmp_path / "ckpt", cfg, stop_after_steps=1)
    assert calls == ([] if omp_num_threads else [max(1, len(os.sched_getaffinity(0)))])
