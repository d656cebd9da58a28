"""Pure pieces of the LM stage: presets, the learning-rate schedule, packing, probe text handling."""

from __future__ import annotations

import numpy as np
import pytest

from kgedit.errors import KgeditError
from kgedit.lm.data import PackedStream
from kgedit.lm.presets import PRESETS, get_preset
from kgedit.lm.probes import sentence_prompt
from kgedit.lm.train import lr_factor


def test_paper_preset_has_the_paper_shape_and_lr():
    p = get_preset("mistral-83m")
    assert (p.hidden_size, p.intermediate_size, p.num_heads, p.num_layers) == (512, 2048, 8, 12)
    assert p.lr == 5e-5 and p.weight_decay == 1e-4 and p.clip_norm == 1.0


def test_unknown_preset_names_the_choices():
    with pytest.raises(KgeditError) as err:
        get_preset("huge")
    assert all(name in err.value.hint for name in PRESETS)


def test_lr_warms_up_then_decays_linearly_to_zero():
    f = [lr_factor(s, 10, 110) for s in range(111)]
    assert f[0] == pytest.approx(0.1) and f[9] == pytest.approx(1.0)
    assert f[10] == pytest.approx(1.0) and f[60] == pytest.approx(0.5) and f[110] == 0.0
    assert all(a >= b for a, b in zip(f[10:], f[11:]))


def _docs():
    rng = np.random.default_rng(1)
    return [list(rng.integers(10, 50, size=rng.integers(1, 9))) for _ in range(13)]


def test_packing_covers_each_document_once_per_epoch_in_a_seeded_order():
    docs = _docs()
    stream = PackedStream(docs, bos_id=1, eos_id=2, block_size=8, seed=3)
    epoch0 = stream.blocks(0, stream.blocks_per_epoch).ravel()
    total = sum(len(d) + 2 for d in docs)
    assert stream.blocks_per_epoch == total // 8
    order = np.random.default_rng([3, 0]).permutation(len(docs))
    expected = np.concatenate([[1, *docs[i], 2] for i in order])[: stream.tokens_per_epoch]
    assert np.array_equal(epoch0, expected)
    epoch1 = stream.blocks(stream.blocks_per_epoch, stream.blocks_per_epoch).ravel()
    assert not np.array_equal(epoch0, epoch1)
    assert sorted(epoch1[epoch1 == 1].tolist()) == sorted(epoch0[epoch0 == 1].tolist())


def test_packed_blocks_are_a_function_of_position_only():
    docs = _docs()
    a = PackedStream(docs, 1, 2, 8, seed=3)
    b = PackedStream(docs, 1, 2, 8, seed=3)
    start = a.blocks_per_epoch - 2          # a batch that crosses into the next epoch
    b.blocks(0, 5)                          # b has looked at other data first
    assert np.array_equal(a.blocks(start, 4), b.blocks(start, 4))


def test_sentence_prompt_drops_the_truth_word():
    assert sentence_prompt('"Ann Lee educated at Yale" is true') == '"Ann Lee educated at Yale" is'
    assert sentence_prompt('"not Ann Lee occupation chef" is false.') == '"not Ann Lee occupation chef" is'
    with pytest.raises(KgeditError):
        sentence_prompt("Ann Lee educated at Yale")
