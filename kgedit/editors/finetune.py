"""Fine-tuning baselines (SPEC §8, ROME's FT and FT+L): train the weight of one MLP module of one layer
on the NLL of the requested object's tokens; `ft_l` projects the weight back into an L∞ ball of
radius `norm_constraint` around its value before the edit after every step.

Defaults are sized for the tiny preset: 100 cases of the default world, trained tiny model, post-edit
(ES = efficacy, s2r1 = a neighbour's accuracy, pre-edit s2r1 1.00):
  ft   lr 1e-3: ES 90%, s2r1 0.98 · lr 3e-3: ES 100%, s2r1 0.85 · layer 0, lr 1e-3: ES 100%, s2r1 0.85
  ft_l ε 5e-3: ES 49% · ε 2e-2: ES 86%, s2r1 0.98 (lr 1e-3) / 0.94 (lr 3e-3)
ft keeps lr 3e-3 (full efficacy, the neighbour damage that characterises unconstrained FT in ROME's
Table 4); ft_l ε 2e-2 at lr 1e-3. ROME used 25 Adam steps at lr 5e-4, ε 5e-4 on GPT-2 XL, whose
weights are far smaller than a 2-layer model's. Reset writes the saved weight back, so it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import torch

from kgedit.editors.base import COUNT, NON_NEGATIVE, POSITIVE, EditOutcome, Editor, EditRequest, Limit, Params
from kgedit.editors.lora import mean_nll, pair_batch
from kgedit.errors import KgeditError
from kgedit.lm import families
from kgedit.lm.scoring import model_device


@dataclass(frozen=True)
class FtParams(Params):
    layer: int = -1                 # -1: the middle layer (num_layers // 2)
    module: str = "auto"            # an MLP projection by name (kgedit.lm.families); auto: the output projection
    lr: float = 3e-3
    weight_decay: float = 0.0
    steps: int = 25

    LIMITS: ClassVar[dict[str, Limit]] = {"layer": Limit(low=-1), "module": Limit(),
                                          "lr": POSITIVE, "weight_decay": NON_NEGATIVE, "steps": COUNT}


@dataclass(frozen=True)
class FtLParams(FtParams):
    lr: float = 1e-3
    norm_constraint: float = 2e-2   # ε: every weight stays within ±ε of its value before the edit

    LIMITS: ClassVar[dict[str, Limit]] = {**FtParams.LIMITS, "norm_constraint": POSITIVE}


def mlp_layer(model, layer: int) -> int:
    """The layer index an editor works on: `layer`, or the middle layer when -1; a clear error if out of range."""
    n = families.n_layers(model)
    chosen = n // 2 if layer == -1 else layer
    if not 0 <= chosen < n:
        raise KgeditError(f"layer={layer} is out of range: the model has {n} layers (0..{n - 1}).",
                          "Use -1 for the default layer.")
    return chosen


class FtEditor(Editor):
    name = "ft"
    Params = FtParams

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        self.layer = mlp_layer(model, self.params.layer)
        if self.params.module == "auto":
            self.params = replace(self.params, module=families.mlp_projection_names(model)[0])
        self.weight: torch.nn.Parameter = families.mlp_projection(model, self.layer, self.params.module).weight
        self._original: torch.Tensor | None = None

    def _project(self, start: torch.Tensor) -> None:
        """FT has no constraint; FT+L overrides this."""

    def _edit(self, requests: list[EditRequest], *, seed: int, trace: bool) -> EditOutcome:
        p = self.params
        if self._original is None:                      # the weight before the first edit since the reset
            self._original = self.weight.detach().clone()
        start = self.weight.detach().clone()            # FT+L's ball is around the weight before this edit
        batch = pair_batch(self.tok, [(r.prompt, r.continuation) for r in requests], model_device(self.model))
        grads = {n: t.requires_grad for n, t in self.model.named_parameters()}
        was_training = self.model.training
        self.model.eval()
        steps: list[dict[str, float]] = []
        try:
            for t in self.model.parameters():
                t.requires_grad_(False)
            self.weight.requires_grad_(True)
            opt = torch.optim.Adam([self.weight], lr=p.lr, weight_decay=p.weight_decay)
            for step in range(p.steps):
                loss, lp = mean_nll(self.model, batch)
                if trace:
                    steps.append({"step": step, "loss": float(loss.detach()), "p_target": float(lp.exp().mean())})
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
                with torch.no_grad():
                    self._project(start)
            with torch.no_grad():
                loss, lp = mean_nll(self.model, batch)
            if trace:
                steps.append({"step": p.steps, "loss": float(loss), "p_target": float(lp.exp().mean())})
        finally:
            for n, t in self.model.named_parameters():
                t.requires_grad_(grads[n])
            self.model.train(was_training)
        return EditOutcome(seconds=0.0, trace=steps, final_loss=float(loss))

    def _reset(self) -> None:
        if self._original is not None:
            with torch.no_grad():
                self.weight.copy_(self._original)
            self._original = None


class FtLEditor(FtEditor):
    name = "ft_l"
    Params = FtLParams

    def _project(self, start: torch.Tensor) -> None:
        eps = self.params.norm_constraint
        self.weight.copy_(torch.clamp(self.weight, start - eps, start + eps))
