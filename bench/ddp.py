"""Benchmark of data-parallel pretraining through `kgedit train`'s own loop; prints measured figures (not a test).

    torchrun --standalone --nproc-per-node 8 bench/ddp.py --db experiment/world.duckdb [--preset mistral-83m]
             [--warmup-steps 5] [--steps 50] [--peak-tflops 989]
    python bench/ddp.py --db experiment/world.duckdb --preset tiny --device cpu     # one process

Trains --warmup-steps steps (not timed: kernel selection, allocator), then resumes for --steps more; the
figures come from the checkpoint's step time of the second run alone (evaluation and saving excluded):
global tokens/s, tokens/s per rank and, on a GPU, bf16 model FLOPs utilisation per GPU against the
peak of its name (kgedit.lm.throughput) or --peak-tflops. The vocabulary is the world's own tokenizer's,
so the parameter count printed is the one the FLOPs are counted for.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="A world database with its corpus.")
    ap.add_argument("--preset", default="mistral-83m")
    ap.add_argument("--warmup-steps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--peak-tflops", type=float, help="bf16 dense peak of one GPU (default: from its name)")
    args = ap.parse_args()

    import torch

    from kgedit.distributed import process_group, rank_device, together
    from kgedit.lm.checkpoint import resolve_device
    from kgedit.lm.config import TrainConfig
    from kgedit.lm.model_folder import load_model
    from kgedit.lm.presets import get_preset
    from kgedit.lm.throughput import flops_per_token, peak_tflops
    from kgedit.lm.train import train

    base = get_preset(args.preset)
    step_tokens = base.batch_size * base.block_size
    total = args.warmup_steps + args.steps
    preset = dataclasses.replace(base, tokens=step_tokens * total, eval_every_tokens=10**15, save_every_tokens=10**15)
    config = TrainConfig(preset=preset, device=args.device, n_probe_facts=5, n_probe_sentences=2)
    with process_group(args.device) as ranks:
        out = Path(tempfile.gettempdir()) / f"kgedit-bench-ddp-{preset.name}-{ranks.world_size}"
        with together(ranks, "clearing the last run's checkpoint"):
            if ranks.main:
                shutil.rmtree(out, ignore_errors=True)
        first = train(args.db, out, config, stop_after_steps=args.warmup_steps, ranks=ranks)
        second = train(args.db, out, config, resume=True, ranks=ranks)
    if not ranks.main:
        return
    seconds, tokens = second.elapsed_s - first.elapsed_s, second.tokens - first.tokens
    rate = tokens / seconds
    on_gpu = resolve_device(rank_device(args.device, ranks)).type == "cuda"
    name = torch.cuda.get_device_name() if on_gpu else f"cpu ({torch.get_num_threads()} threads per rank)"
    n_params = load_model(out).num_parameters()
    print(f"{preset.name} ({n_params / 1e6:.1f}M params), {ranks.world_size} rank(s) on {name}: global batch "
          f"{preset.batch_size} x {preset.block_size} tokens, {args.steps} timed steps")
    print(f"throughput {rate:,.0f} tokens/s in all, {rate / ranks.world_size:,.0f} tokens/s per rank")
    if not on_gpu:
        return
    per_gpu = rate / ranks.world_size * flops_per_token(n_params, preset.num_layers, preset.hidden_size,
                                                        preset.block_size) / 1e12
    peak = peak_tflops(name, args.peak_tflops)
    share = f"{per_gpu / peak:.1%} of {peak:.0f} TFLOP/s bf16 peak (MFU)" if peak else "peak unknown (pass --peak-tflops)"
    print(f"per GPU    {per_gpu:.0f} TFLOP/s = {share}")
    print(f"(checkpoint in {out})")


if __name__ == "__main__":
    main()
