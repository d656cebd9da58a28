"""Causal tracing: restored runs per second, batched (kgedit.trace.restore.restored_probs, one forward pass per
chunk of (noise sample, cell) rows) against the loop of one forward pass per cell; prints figures, not a test.

    python bench/trace.py --ckpt CKPT --db WORLD [--prompts 10] [--samples 10] [--device cpu] [--threads 2]

The prompts are the first --prompts corpus facts of the default trace sample that the model answers
correctly; every (kind, token, layer) cell of hidden, mlp and attn is run both ways, and the largest
difference between the two is printed beside the speeds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--prompts", type=int, default=10)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from kgedit.lm.checkpoint import load_checkpoint
    from kgedit.lm.probes import greedy_answers
    from kgedit.lm.sentences import answer_matches
    from kgedit.trace.config import TraceConfig
    from kgedit.trace.grid import KINDS, grid_cells
    from kgedit.trace.restore import clean_run, loop_restored_probs, restored_probs
    from kgedit.trace.run import encode_prompt, noise_for, plan_trace

    torch.set_num_threads(args.threads)
    model, tok, _ = load_checkpoint(args.ckpt, args.device)
    config = TraceConfig(model=str(args.ckpt), world_db=str(args.db), samples=args.samples, device=args.device)
    plan = plan_trace(model, tok, args.db, config)
    cands = plan.candidates
    answers = greedy_answers(model, tok, [c.prompt for c in cands], [c.object for c in cands])
    known = [c for c, a in zip(cands, answers) if answer_matches(a, c.object)][:args.prompts]
    print(f"{len(known)} prompts, {plan.n_layers} layers, window {plan.window}, {args.samples} noise samples, "
          f"device {args.device}, {args.threads} threads")
    totals = {"batched": 0.0, "loop": 0.0}
    rows, worst = 0, 0.0
    for c in known:
        row, texts = encode_prompt(tok, c)
        _, clean = clean_run(model, row, KINDS)
        cells = grid_cells(KINDS, len(texts), plan.n_layers, plan.window)
        noise = noise_for(config, plan.sigma, c.source_id, len(row.subject), clean[("hidden", 0)].shape[-1])
        start = time.perf_counter()
        batched = restored_probs(model, row, clean, noise, cells, config.batch_size)
        totals["batched"] += time.perf_counter() - start
        start = time.perf_counter()
        loop = loop_restored_probs(model, row, clean, noise, cells)
        totals["loop"] += time.perf_counter() - start
        rows += batched.numel()
        worst = max(worst, float((batched - loop).abs().max()))
    speed = {k: rows / v for k, v in totals.items()}
    print(f"{'method':8} {'runs':>7} {'seconds':>8} {'runs/s':>9}")
    for k in totals:
        print(f"{k:8} {rows:7d} {totals[k]:8.2f} {speed[k]:9.0f}")
    print(f"batched / loop: {speed['batched'] / speed['loop']:.1f}x; max |p_batched - p_loop| = {worst:.2e}")


if __name__ == "__main__":
    main()
