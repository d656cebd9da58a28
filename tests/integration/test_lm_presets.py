"""Each model preset builds a Mistral of the size its name says (transformers, on the meta device)."""

from __future__ import annotations

import pytest

from kgedit.lm.presets import get_preset, mistral_config


def _n_params(name: str, vocab: int) -> int:
    import torch
    from transformers import MistralForCausalLM

    with torch.device("meta"):
        model = MistralForCausalLM(mistral_config(get_preset(name), vocab, bos_id=1, eos_id=2, pad_id=0))
    return model.num_parameters()


@pytest.mark.parametrize("name, vocab, low, high", [
    ("tiny", 4096, 1.0e6, 3.0e6), ("small", 8192, 18e6, 22e6),
    ("mistral-83m", 32000, 82.5e6, 83.5e6), ("mistral-162m", 32000, 161.5e6, 163e6)])
def test_preset_parameter_counts_match_their_names(name, vocab, low, high):
    assert low <= _n_params(name, vocab) <= high
