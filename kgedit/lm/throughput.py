"""Training throughput as a fraction of a GPU's peak (model FLOPs utilisation), for the benchmarks.

FLOPs per token: 6 N for the forward and backward passes through N parameters, plus the attention
scores 12 · layers · hidden · block (PaLM's formula, appendix B). The bf16 dense peaks are the vendors'
figures (no sparsity); a GPU not listed needs its peak passed in.
"""

from __future__ import annotations

PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L4": 121.0, "A10": 125.0}


def peak_tflops(device_name: str, given: float | None = None) -> float | None:
    """`given`, else the listed peak of the first GPU family named in `device_name`, else None."""
    return given or next((v for k, v in PEAK_BF16_TFLOPS.items() if k in device_name), None)


def flops_per_token(n_params: int, num_layers: int, hidden_size: int, block_size: int) -> int:
    return 6 * n_params + 12 * num_layers * hidden_size * block_size
