"""Benchmark of the LM stage; prints measured figures (not a test).

    python bench/lm.py [--db world.duckdb] [--subjects 1000] [--train-steps 20] [--gpu-steps 30]

Without --db it builds the default synthetic world and corpus (kgedit.world.synthetic, kgedit.corpus)
in a temporary folder. Measures: tokenizer training and corpus size in tokens; scoring pairs/s batched
vs one pass per pair; greedy decoding prompts/s batched vs one at a time; training tokens/s of the tiny
preset on CPU; with CUDA, mistral-83m training throughput (bf16 autocast) as a fraction of the GPU's
bf16 dense peak, counting 6*N FLOPs per token plus attention 12*layers*hidden*block (PaLM's formula).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

def build_world(path: Path, subjects: int) -> None:
    from kgedit import db
    from kgedit.corpus.build import generate_corpus
    from kgedit.corpus.config import CorpusConfig
    from kgedit.world.synthetic import write_synthetic_world

    con = db.connect(path)
    try:
        write_synthetic_world(con, subjects=subjects, seed=0)
        generate_corpus(con, CorpusConfig())
    finally:
        con.close()


def timed(fn, *args, repeat: int = 1, **kw):
    """(result, best wall time of `repeat` runs): the CPU is shared, the minimum is the least disturbed."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kw)
        best = min(best, time.perf_counter() - start)
    return result, best


def bench_scoring(model, tok, world: Path) -> None:
    from kgedit import db
    from kgedit.lm.decoding import greedy_decode, stop_tokens
    from kgedit.lm.probes import load_probes
    from kgedit.lm.scoring import score

    con = db.connect(world, read_only=True)
    probes = load_probes(con, seed=0, n_facts=256, n_sentences=64)
    con.close()
    pairs = list(zip(probes.fact_prompts, [" " + o for o in probes.fact_objects]))
    score(model, tok, pairs[:8])                                   # warm-up
    _, t_batch = timed(score, model, tok, pairs, batch_size=64, repeat=3)
    _, t_one = timed(lambda: [score(model, tok, [p], batch_size=1) for p in pairs], repeat=2)
    print(f"scoring    {len(pairs)} pairs: batched {len(pairs) / t_batch:8.0f} pairs/s, "
          f"one at a time {len(pairs) / t_one:6.0f} pairs/s, speed-up {t_one / t_batch:5.1f}x")
    prompts = probes.fact_prompts
    stop = stop_tokens(tok)   # computed once for both, so the baseline is not charged for it
    _, t_batch = timed(greedy_decode, model, tok, prompts, 4, batch_size=64, stops=stop, repeat=3)
    _, t_one = timed(lambda: [greedy_decode(model, tok, [p], 4, stops=stop) for p in prompts], repeat=2)
    print(f"decoding   {len(prompts)} prompts x 4 tokens: batched {len(prompts) / t_batch:8.0f} prompts/s, "
          f"one at a time {len(prompts) / t_one:6.0f} prompts/s, speed-up {t_one / t_batch:5.1f}x")


def bench_training(preset_name: str, tok, stream, device: str, steps: int) -> tuple[float, int]:
    """Tokens/s of `steps` optimizer steps (after 3 warm-up steps); returns (tokens/s, n_params)."""
    import torch
    from transformers import MistralForCausalLM

    from kgedit.lm.presets import get_preset, mistral_config

    preset = get_preset(preset_name)
    cfg = mistral_config(preset, len(tok), bos_id=tok.bos_token_id, eos_id=tok.eos_token_id, pad_id=tok.pad_token_id)
    torch.manual_seed(0)
    model = MistralForCausalLM._from_config(cfg, attn_implementation="sdpa").to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=preset.lr, weight_decay=1e-4, fused=device == "cuda")
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda")
    n_blocks = stream.blocks_per_epoch
    for i in range(steps + 3):
        if i == 3:
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        batch = torch.from_numpy(stream.blocks((i * preset.batch_size) % n_blocks, preset.batch_size)).to(device)
        with autocast:
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    tps = steps * preset.batch_size * preset.block_size / (time.perf_counter() - start)
    return tps, model.num_parameters()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--subjects", type=int, default=1000)
    ap.add_argument("--train-steps", type=int, default=20)
    ap.add_argument("--gpu-steps", type=int, default=30)
    ap.add_argument("--peak-tflops", type=float, help="bf16 dense peak of the GPU (default: from its name)")
    args = ap.parse_args()

    import torch
    from transformers import MistralForCausalLM

    from kgedit.lm.data import PackedStream
    from kgedit.lm.presets import get_preset, mistral_config
    from kgedit.lm.throughput import flops_per_token, peak_tflops
    from kgedit.lm.tokenizer import build_tokenizer, encode, document_texts
    from kgedit import db

    tmp = Path(tempfile.mkdtemp(prefix="kgedit-bench-lm-"))
    world = args.db or tmp / "world.duckdb"
    if args.db is None:
        _, t = timed(build_world, world, args.subjects)
        print(f"world      synthetic, {args.subjects} subjects, world + corpus built in {t:.1f} s")
    (tok, rows), t = timed(build_tokenizer, world, tmp / "tok", get_preset("tiny").vocab_size)
    counts = {r[0]: r for r in rows}
    print(f"tokenizer  {len(tok)} tokens (requested {get_preset('tiny').vocab_size}), trained + counted in {t:.1f} s; "
          f"one epoch = {counts['documents'][2]:,} tokens in {counts['documents'][1]:,} documents")
    con = db.connect(world, read_only=True)
    docs = encode(tok, list(document_texts(con)))
    con.close()

    torch.set_num_threads(torch.get_num_threads())
    preset = get_preset("tiny")
    torch.manual_seed(0)
    cfg = mistral_config(preset, len(tok), bos_id=tok.bos_token_id, eos_id=tok.eos_token_id, pad_id=tok.pad_token_id)
    model = MistralForCausalLM._from_config(cfg, attn_implementation="sdpa").eval()
    print(f"cpu        torch threads {torch.get_num_threads()}, tiny preset {model.num_parameters():,} params")
    bench_scoring(model, tok, world)

    stream = PackedStream(docs, tok.bos_token_id, tok.eos_token_id, preset.block_size, seed=0)
    tps, _ = bench_training("tiny", tok, stream, "cpu", args.train_steps)
    budget_min = preset.tokens / tps / 60
    print(f"training   tiny on CPU: {tps:,.0f} tokens/s; the preset's {preset.tokens:,}-token budget "
          f"= {preset.tokens / counts['documents'][2]:.1f} epochs, ~{budget_min:.1f} min of training steps")

    if not torch.cuda.is_available():
        print("gpu        no CUDA device: mistral-83m throughput not measured")
        return
    name = torch.cuda.get_device_name()
    peak = peak_tflops(name, args.peak_tflops)
    big = get_preset("mistral-83m")
    big_tok_stream = PackedStream(docs, tok.bos_token_id, tok.eos_token_id, big.block_size, seed=0)
    # The corpus tokenizer is small; the paper model has a 32k vocabulary, so size the FLOPs to it.
    big_tok = _PaddedVocab(tok, big.vocab_size)
    tps, n_params = bench_training("mistral-83m", big_tok, big_tok_stream, "cuda", args.gpu_steps)
    achieved = tps * flops_per_token(n_params, big.num_layers, big.hidden_size, big.block_size) / 1e12
    frac = f"{achieved / peak:.1%} of {peak:.0f} TFLOP/s bf16 peak" if peak else "peak unknown (pass --peak-tflops)"
    print(f"gpu        {name}: mistral-83m ({n_params / 1e6:.1f}M params) {tps:,.0f} tokens/s, "
          f"{achieved:.0f} TFLOP/s = {frac}")


class _PaddedVocab:
    """The corpus tokenizer's ids with the embedding sized to a larger (paper) vocabulary."""

    def __init__(self, tok, vocab: int) -> None:
        self.tok, self.vocab = tok, vocab
        self.bos_token_id, self.eos_token_id, self.pad_token_id = tok.bos_token_id, tok.eos_token_id, tok.pad_token_id

    def __len__(self) -> int:
        return max(self.vocab, len(self.tok))


if __name__ == "__main__":
    main()
