"""Model presets: a MistralConfig shape plus the training hyper-parameters that go with it.

Why the learning rate lives in the preset: the paper trains mistral-83m with AdamW at 5e-5 for ~1e9
tokens. The tiny preset has to memorise a ~2,500-fact synthetic world in ~10M tokens on two CPU cores
(about ten minutes), which needs far fewer, larger steps: at 5e-5 it barely moves in that budget, at
3e-3 (with a short warmup, usual for ~1M-parameter transformers) it memorises the facts.

Why tiny has two layers, not four (measured on the default world, 2 CPU cores): memorisation is
bound by how often each fact is seen, so tokens per second decide. Two layers run at ~23k tokens/s
against ~12k for four, and learn *faster per token* too (400-subject world, 3M tokens: 0.90
generative accuracy with two layers, 0.87 with four; at 1M tokens 0.44 vs 0.28). On the default
synthetic world two layers reach 0.90 at 8M tokens (389 s) with an 8M schedule. On today's default world
(500 real Wikidata subjects, 1,495 facts; README) they reach 0.96 at 10M tokens in 842 s (~12k tokens/s).
Small batches (8 x 128 tokens): with a fixed token budget, memorising facts profits from more
optimizer steps, and on a CPU batch 8 costs only ~10% throughput vs 16.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kgedit.errors import KgeditError


@dataclass(frozen=True)
class Preset:
    name: str
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    tie_embeddings: bool
    vocab_size: int          # requested; the tokenizer caps it at what the corpus supports
    block_size: int          # packed sequence length in tokens
    batch_size: int          # blocks per optimizer step
    lr: float
    warmup_steps: int        # linear warmup, then linear decay to 0 at the token budget
    tokens: int              # default token budget
    eval_every_tokens: int   # held-out probe evaluation period
    save_every_tokens: int   # checkpoint period
    description: str
    weight_decay: float = 1e-4
    clip_norm: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("tiny", hidden_size=128, intermediate_size=512, num_layers=2, num_heads=4, num_kv_heads=4,
           tie_embeddings=True, vocab_size=4096, block_size=128, batch_size=8, lr=3e-3,
           warmup_steps=100, tokens=12_000_000, eval_every_tokens=1_000_000, save_every_tokens=2_000_000,
           description="CPU preset, ~0.7M params; learns the default world to 0.96 in 10M tokens, 14 min on 2 cores"),
    Preset("small", hidden_size=384, intermediate_size=1536, num_layers=6, num_heads=6, num_kv_heads=6,
           tie_embeddings=False, vocab_size=8192, block_size=256, batch_size=32, lr=5e-4,
           warmup_steps=200, tokens=100_000_000, eval_every_tokens=5_000_000, save_every_tokens=10_000_000,
           description="~20M params (8k vocab, untied); a laptop-GPU or patient-CPU model"),
    Preset("mistral-83m", hidden_size=512, intermediate_size=2048, num_layers=12, num_heads=8, num_kv_heads=8,
           tie_embeddings=False, vocab_size=32000, block_size=512, batch_size=64, lr=5e-5,
           warmup_steps=0, tokens=1_000_000_000, eval_every_tokens=20_000_000, save_every_tokens=50_000_000,
           description="the paper's model: hidden 512, MLP 2048, 8 heads, 12 layers, 32k vocab (83.1M params)"),
    Preset("mistral-162m", hidden_size=768, intermediate_size=3072, num_layers=12, num_heads=12, num_kv_heads=12,
           tie_embeddings=False, vocab_size=32000, block_size=512, batch_size=64, lr=5e-5,
           warmup_steps=0, tokens=1_000_000_000, eval_every_tokens=20_000_000, save_every_tokens=50_000_000,
           description="GPT-2-small width: hidden 768, MLP 3072, 12 heads, 12 layers, 32k vocab (162.5M params)"),
)}


# The preset `kgedit train` and the experiment file's [lm] preset take when none is named.
DEFAULT_PRESET = "tiny"


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KgeditError(f"Unknown model preset {name!r}.", "Choose one of: " + ", ".join(PRESETS)) from None


def mistral_config(preset: Preset, vocab_size: int, *, bos_id: int, eos_id: int, pad_id: int):
    """A transformers MistralConfig for the preset with the tokenizer's actual vocabulary."""
    from transformers import MistralConfig

    return MistralConfig(
        vocab_size=vocab_size, hidden_size=preset.hidden_size, intermediate_size=preset.intermediate_size,
        num_hidden_layers=preset.num_layers, num_attention_heads=preset.num_heads,
        num_key_value_heads=preset.num_kv_heads, head_dim=preset.hidden_size // preset.num_heads,
        # Documents are short (<= 10 sentences); positions past a few blocks are never seen.
        max_position_embeddings=max(2048, 4 * preset.block_size), sliding_window=None,
        tie_word_embeddings=preset.tie_embeddings, bos_token_id=bos_id, eos_token_id=eos_id,
        pad_token_id=pad_id, attention_dropout=0.0,
    )
