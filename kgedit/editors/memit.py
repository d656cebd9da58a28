"""MEMIT (Meng et al. 2023, SPEC §8): many edits at once, spread over several consecutive MLP layers.

For requests i = 1..n with subjects s_i:
1. Target hidden z_i for the residual stream at the output of the last edited layer L, at s_i's last
   token: z_i = h_i + δ_i, with h_i that output (averaged over the context prefixes) and δ_i optimised
   as in rome (kgedit.editors.keyvalue; δ enters through L's MLP output projection, which the layer adds to
   the residual unchanged), clamped to clamp_norm_factor · ‖h_i‖ (MEMIT's default 0.75).
2. For each edited layer l in order, on the model as the previous layers left it:
       K = keys at l [in × n],  R = (z − h_current) / (layers remaining, l included)   [out × n]
       ΔW_l = R Kᵀ (λ C_l + K Kᵀ)⁻¹,   λ = mom2_update_weight,  C_l = E[k kᵀ] of layer l (keystats)
   (solved in float64, never inverted). λ weighs the corpus's keys against the n new ones: C is a mean
   over tokens, so λ acts like the number of preserved keys (MEMIT: 15000 on GPT-J; on the tiny model
   15000 gives no edit at all, 100 the best efficacy at unchanged neighbourhood, bench/rome_layers.py).

Layers: `layers=trace` edits the window of layers causal tracing centres on its peak (kgedit.trace.site);
`layers=-1` picks two consecutive layers ending at rome's automatic layer (one layer when
that is layer 0: a 2-layer model can only be edited usefully at layer 0, see rome.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from kgedit.editors.base import POSITIVE, EditRequest, Limit
from kgedit.editors.keyvalue import locate, optimise_deltas, read_at
from kgedit.editors.rome import TRACE, DownProjEditor, KeyValueParams, auto_layer
from kgedit.errors import KgeditError
from kgedit.lm import families
from kgedit.lm.families import projection_weight


@dataclass(frozen=True)
class MemitParams(KeyValueParams):
    layers: tuple[int | str, ...] = (-1,)    # (-1,): auto; ("trace",): the traced window; else e.g. 0,1
    clamp_norm_factor: float = 0.75
    mom2_update_weight: float = 100.0    # tiny model: 10-100 edit, 15000 (GPT-J's) leaves the weights ~unchanged

    LIMITS: ClassVar[dict[str, Limit]] = {**KeyValueParams.LIMITS, "layers": Limit(low=-1, words=(TRACE,)),
                                          "mom2_update_weight": POSITIVE}   # λ = 0 leaves K Kᵀ singular

    def check(self, editor: str) -> None:
        super().check(editor)
        alone = {-1, TRACE} & set(self.layers)
        if len(set(self.layers)) != len(self.layers) or (alone and len(self.layers) > 1):
            raise KgeditError(f"{editor} parameter layers must be distinct layer numbers, or -1 alone (the automatic "
                              f"choice), or trace alone (the traced window) (got {','.join(map(str, self.layers))}).",
                              "For example: layers=0,1")


def auto_layers(n_layers: int) -> list[int]:
    last = auto_layer(n_layers)
    return list(range(max(0, last - 1), last + 1))


def memit_update(c: torch.Tensor, keys: torch.Tensor, resid: torch.Tensor, weight: float) -> torch.Tensor:
    """ΔW = R Kᵀ (λ C + K Kᵀ)⁻¹ in float64: keys [n, in], resid [n, out] -> [out, in]."""
    k = keys.double().T                                               # [in, n]
    a = weight * c.double().to(k.device) + k @ k.T                    # [in, in], symmetric
    return resid.double().T @ torch.linalg.solve(a, k).T              # [out, n] @ [n, in]


class MemitEditor(DownProjEditor):
    name = "memit"
    Params = MemitParams

    @property
    def traced(self) -> bool:
        return tuple(self.params.layers) == (TRACE,)

    @property
    def layers(self) -> list[int]:
        chosen = self.params.layers
        if self.traced:
            return list(self._traced_site().window)
        return auto_layers(families.n_layers(self.model)) if tuple(chosen) == (-1,) else sorted(chosen)

    def _solve(self, requests: list[EditRequest], prefixes: list[str],
               steps: list[dict[str, float]] | None) -> None:
        layers = self.layers
        last = families.decoder_layers(self.model)[layers[-1]]
        loc = locate(self.tok, requests, prefixes, self.params.token)
        h = read_at(self.model, self.tok, loc, {"h": (last, "out")})["h"]             # [n, hidden]
        delta = optimise_deltas(self.model, self.tok, requests, loc, families.mlp_out(self.model, layers[-1]), h,
                                self.params.delta_settings(), steps)
        z = h + delta.double()                                                      # [n, hidden]
        for i, layer in enumerate(layers):
            module = families.mlp_out(self.model, layer)
            now = read_at(self.model, self.tok, loc, {"k": (module, "in"), "h": (last, "out")})
            resid = (z - now["h"]) / (len(layers) - i)                             # [n, hidden]
            update = memit_update(self._cov[layer], now["k"], resid, self.params.mom2_update_weight)
            self._write(layer, projection_weight(module).detach().double() + update)
