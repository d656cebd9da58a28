"""Edit-parallel editing: how many independent edits run at once, and edit-parallel LoRA.

How many (B): as the user asks, else as many as the device's free memory holds (capped), 1 for editors
that edit one case at a time (resolve_parallel_edits).

Edit-parallel LoRA: C independent adapters, one per case, stacked along a case axis and applied by
forward hooks with batched matmuls, so C edits train and are measured in the same forward passes.

Row i of a forward pass uses the factors of case `slots[i]` (set with `route` before each pass): the
rows of one case never see another case's adapter. Each case's loss depends only on its own factors,
so the gradient of the sum of the cases' losses with respect to case c's factors is exactly the
gradient of case c's loss, and AdamW is elementwise: one optimiser over the stacked tensors follows,
for every case, the trajectory a separate run on that case alone would follow (up to the rounding of
batched matmuls; tests/integration/test_editor_parallel.py compares with the peft editor).

The base weights are never written (the adapters live outside the model's state dict), so removing
the hooks restores the model exactly. The A factors start as peft's default (kaiming-uniform with
a = √5, i.e. U(±1/√fan_in)) drawn from a generator seeded by the case's own seed, module by module in
the model's module order; the sequential peft editor copies the same draw into its adapter, so a
case's edit is the same whichever way it runs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import torch
from torch import nn

from kgedit.errors import KgeditError


def lora_targets(model: nn.Module, names: Sequence[str]) -> list[tuple[str, nn.Linear]]:
    """(name, module) of the linear layers whose last name component is one of `names` (peft's matching
    of `target_modules`), in the model's module order."""
    found = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear) and n.rsplit(".", 1)[-1] in names]
    if not found:
        linear = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, nn.Linear)})
        raise KgeditError(f"The model has no linear module named {', '.join(names)} (target_modules).",
                          "Its linear modules: " + ", ".join(linear))
    return found


def lora_a_init(seed: int, shapes: Sequence[tuple[int, int]]) -> list[torch.Tensor]:
    """The A factor of every target module for one case: [rank, fan_in] each, float32 on the CPU."""
    gen = torch.Generator().manual_seed(int(seed))
    return [(torch.rand(rank, fan_in, generator=gen, dtype=torch.float32) * 2 - 1) / math.sqrt(fan_in)
            for rank, fan_in in shapes]


class RoutedLora:
    """Per-case LoRA factors hooked onto a model's target modules; `remove()` detaches them."""

    def __init__(self, model: nn.Module, target_modules: Sequence[str], rank: int, alpha: float,
                 seeds: Sequence[int]) -> None:
        self.targets = lora_targets(model, target_modules)
        self.scaling = alpha / rank
        self.n_cases = len(seeds)
        weight = self.targets[0][1].weight
        device, dtype = weight.device, weight.dtype
        per_case = [lora_a_init(s, [(rank, m.in_features) for _, m in self.targets]) for s in seeds]
        self.a = [nn.Parameter(torch.stack([case[j] for case in per_case]).to(device, dtype))   # [C, r, in]
                  for j in range(len(self.targets))]
        self.b = [nn.Parameter(torch.zeros(self.n_cases, m.out_features, rank, device=device, dtype=dtype))  # [C, out, r]
                  for _, m in self.targets]
        self._slots: torch.Tensor | None = None
        self._handles = [m.register_forward_hook(self._hook(j)) for j, (_, m) in enumerate(self.targets)]

    def parameters(self) -> list[nn.Parameter]:
        return [t for pair in zip(self.a, self.b) for t in pair]

    def route(self, slots) -> None:
        """Row i of the next forward passes uses case slots[i]'s adapter."""
        slots = torch.as_tensor(slots, dtype=torch.long).to(self.a[0].device)
        if len(slots) and (int(slots.min()) < 0 or int(slots.max()) >= self.n_cases):
            raise IndexError(f"case slot out of range 0..{self.n_cases - 1}")
        self._slots = slots

    def _hook(self, j: int):
        def add_delta(module, args, out):
            x = args[0]                                                   # [b, t, in]
            slots = self._slots
            if slots is None or len(slots) != x.shape[0]:
                raise RuntimeError("RoutedLora: route(slots) must name one case per row before a forward pass")
            a, b = self.a[j][slots], self.b[j][slots]                     # [b, r, in], [b, out, r]
            # peft's order: lora_B(lora_A(x)) * scaling
            return out + torch.bmm(torch.bmm(x, a.transpose(1, 2)), b.transpose(1, 2)) * self.scaling
        return add_delta

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._slots = None


# Edit-parallel evaluation: B independent edits train and are measured in shared forward passes.
# On a CPU batching pays while the batches are small: lora (one row per case) gains 6.1x at B = 64
# and 6.7x at 256; bayes (~57 rows per case on the default world) 1.2x at 8 and loses from 32 on,
# as its batches outgrow the caches (bench/evaluate.py). Hence a budget of rows per batch on a CPU.
CPU_PARALLEL_EDITS = 64      # at most this many on a CPU
CPU_ROWS_PER_BATCH = 512     # and about this many training rows per batch there
GPU_PARALLEL_EDITS = 256     # at most this many on a GPU
MEMORY_SHARE = 0.4           # of the device's free memory for the edit batch's activations


def check_parallel_edits(requested: int | None, editor) -> None:
    if requested is not None and requested > 1 and not editor.parallel:
        raise KgeditError(f"The {editor.name} editor edits one case at a time: --parallel-edits {requested} "
                          "does not apply to it.", "Leave --parallel-edits out (or set it to 1); "
                          "edit-parallel evaluation is for lora and bayes.")


def resolve_parallel_edits(requested: int | None, editor, requests: Sequence, model) -> int:
    """B for this evaluation: the requested number (an editor that edits one case at a time refuses
    more than 1), else 1 for such editors, else as many as the device's free memory holds (capped)."""
    if requested is not None:
        check_parallel_edits(requested, editor)
        return requested
    if not editor.parallel or not requests:
        return 1
    rows = editor.rows_per_case(requests)
    cap, free = _device_budget(model, rows)
    per_case = rows * _bytes_per_training_row(model.config)
    return max(1, min(cap, len(requests), int(MEMORY_SHARE * free // max(per_case, 1))))


def _device_budget(model, rows_per_case: float) -> tuple[int, int]:
    """(cap on B, free bytes) of the model's device."""
    from kgedit.lm.scoring import model_device

    device = model_device(model)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return GPU_PARALLEL_EDITS, free
    cap = min(CPU_PARALLEL_EDITS, int(CPU_ROWS_PER_BATCH // max(rows_per_case, 1.0)))
    try:
        with open("/proc/meminfo") as fh:
            info = dict(line.split(":", 1) for line in fh)
        free = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    return cap, free


def _bytes_per_training_row(cfg, tokens: int = 32) -> int:
    """A generous estimate of one training row's float32 memory: the activations every layer keeps
    for the backward pass and the logits with their softmax and gradient, for `tokens` positions."""
    layer = 10 * cfg.hidden_size + 4 * cfg.intermediate_size + cfg.num_attention_heads * tokens
    return 4 * tokens * (cfg.num_hidden_layers * layer + 3 * cfg.vocab_size)
