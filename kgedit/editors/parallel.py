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
from kgedit.lm.families import Shape, embedding, is_projection, per_row, projection_dims, shape


def lora_targets(model: nn.Module, names: Sequence[str]) -> list[tuple[str, nn.Module]]:
    """(name, module) of the projections (nn.Linear, GPT-2's Conv1D) named by one of `names` — the whole
    module name or its end after a '.', as peft matches `target_modules` — in the model's module order."""
    def named(n: str) -> bool:
        return any(n == t or n.endswith("." + t) for t in names)

    found = [(n, m) for n, m in model.named_modules() if is_projection(m) and named(n)]
    if not found:
        linear = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules() if is_projection(m)})
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
                 seeds: Sequence[int], subjects: Sequence[Sequence[Sequence[int]]] | None = None) -> None:
        """`subjects`: per case, the token-id spellings of its subject; given, a case's adapter acts only
        at the positions of a row that spell its subject (SubjectPositions), elsewhere not at all."""
        self.targets = lora_targets(model, target_modules)
        self._positions = SubjectPositions(model, subjects) if subjects is not None else None
        self.scaling = alpha / rank
        self.n_cases = len(seeds)
        # The factors and their products are float32 whatever the model's dtype (bf16 Adam steps of ~lr
        # would round away); an fp32 model is computed exactly as before.
        device, dtype = self.targets[0][1].weight.device, torch.float32
        dims = [projection_dims(m) for _, m in self.targets]                  # (in, out) per target
        per_case = [lora_a_init(s, [(rank, d_in) for d_in, _ in dims]) for s in seeds]
        self.a = [nn.Parameter(torch.stack([case[j] for case in per_case]).to(device, dtype))   # [C, r, in]
                  for j in range(len(self.targets))]
        self.b = [nn.Parameter(torch.zeros(self.n_cases, d_out, rank, device=device, dtype=dtype))  # [C, out, r]
                  for _, d_out in dims]
        self._slots: torch.Tensor | None = None
        self._handles = [m.register_forward_hook(self._hook(j)) for j, (_, m) in enumerate(self.targets)]

    def parameters(self) -> list[nn.Parameter]:
        return [t for pair in zip(self.a, self.b) for t in pair]

    def set_subjects(self, subjects: Sequence[Sequence[Sequence[int]]]) -> None:
        """Replace the cases' subject spellings (an edit that adds requests to a case's adapter)."""
        self._positions.set_subjects(subjects)

    def route(self, slots) -> None:
        """Row i of the next forward passes uses case slots[i]'s adapter. With one case and subject
        positions, unrouted passes (slots None) use it on every row."""
        if slots is None:
            self._slots = None
            return
        slots = torch.as_tensor(slots, dtype=torch.long).to(self.a[0].device)
        if len(slots) and (int(slots.min()) < 0 or int(slots.max()) >= self.n_cases):
            raise IndexError(f"case slot out of range 0..{self.n_cases - 1}")
        self._slots = slots

    def _hook(self, j: int):
        def add_delta(module, args, out):
            slots = self._slots
            if slots is None and self.n_cases == 1 and self._positions is not None:
                slots = torch.zeros(self._positions.rows(), dtype=torch.long, device=self.a[0].device)
            if slots is None or (args[0].dim() == 3 and len(slots) != args[0].shape[0]):
                raise RuntimeError("RoutedLora: route(slots) must name one case per row before a forward pass")
            x = per_row(args[0], len(slots))                              # [b, t, in]
            a, b = self.a[j][slots], self.b[j][slots]                     # [b, r, in], [b, out, r]
            # peft's order: lora_B(lora_A(x)) * scaling
            delta = torch.bmm(torch.bmm(x.float(), a.transpose(1, 2)), b.transpose(1, 2)) * self.scaling
            if self._positions is not None:
                delta = delta * self._positions.mask(slots)[..., None]
            return out + delta.to(out.dtype).view(out.shape)
        return add_delta

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._slots = None
        if self._positions is not None:
            self._positions.remove()


class SubjectPositions:
    """Which positions of the current forward pass spell each row's case's subject: a pre-hook on the
    input embedding (every forward path reads the token ids through it) keeps the pass's ids, and mask(slots) marks, per row, every token of every occurrence
    of one of its case's spellings (a prompt-initial "{s}" and a mid-sentence " {s}" tokenise apart).
    A pass of single tokens (decoding with a KV cache) marks nothing: the subject's positions were
    edited when the prompt was read, and their keys and values are in the cache."""

    def __init__(self, model: nn.Module, subjects: Sequence[Sequence[Sequence[int]]]) -> None:
        self.set_subjects(subjects)
        self._ids: torch.Tensor | None = None
        self._cached: tuple | None = None
        self._handle = embedding(model).register_forward_pre_hook(self._keep_ids)

    def set_subjects(self, subjects: Sequence[Sequence[Sequence[int]]]) -> None:
        spellings = [[list(s) for s in case if len(s)] for case in subjects]
        self.width = max((len(s) for case in spellings for s in case), default=1)
        self.variants = max((len(case) for case in spellings), default=1)
        # [cases, variants, width]: token ids, -1 past a spelling's end, a whole row of -2 for no spelling
        table = torch.full((len(spellings), self.variants, self.width), -2, dtype=torch.long)
        for c, case in enumerate(spellings):
            for v, s in enumerate(case):
                table[c, v, :] = -1
                table[c, v, :len(s)] = torch.tensor(s)
        self.table = table
        self._cached = None

    def _keep_ids(self, module, args):
        self._ids = args[0]
        self._cached = None

    def rows(self) -> int:
        return self._ids.shape[0]

    def mask(self, slots: torch.Tensor) -> torch.Tensor:
        """[b, t] float: 1 where row i spells case slots[i]'s subject (computed once per forward pass)."""
        if self._cached is not None and self._cached[0] is slots:
            return self._cached[1]
        ids = self._ids
        b, t = ids.shape
        table = self.table.to(ids.device)[slots]                                  # [b, variants, width]
        padded = torch.nn.functional.pad(ids, (0, self.width), value=-3)          # no spelling matches -3
        windows = padded.unfold(1, self.width, 1)[:, :t]                          # [b, t, width]
        want = table[:, :, None, :]                                               # [b, v, 1, width]
        hit = ((windows[:, None] == want) | (want == -1)).all(-1) & (want[..., 0] != -2)   # [b, v, t] starts
        lengths = (table >= 0).sum(-1)                                            # [b, v]
        covered = torch.zeros(b, t, dtype=torch.bool, device=ids.device)
        for k in range(min(self.width, t)):                                       # token k of a match
            on = hit & (lengths[..., None] > k)
            covered[:, k:] |= on[..., : t - k].any(1)
        result = covered.float()
        self._cached = (slots, result)
        return result

    def remove(self) -> None:
        self._handle.remove()


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
    per_case = rows * _bytes_per_training_row(shape(model))
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


def _bytes_per_training_row(s: Shape, tokens: int = 32) -> int:
    """A generous estimate of one training row's float32 memory: the activations every layer keeps
    for the backward pass and the logits with their softmax and gradient, for `tokens` positions."""
    layer = 10 * s.hidden + 4 * s.intermediate + s.heads * tokens
    return 4 * tokens * (s.n_layers * layer + 3 * s.vocab)
