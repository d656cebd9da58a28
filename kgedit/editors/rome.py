"""ROME (Meng et al. 2022, SPEC §8): a rank-one update of one layer's MLP output projection W (v = W k;
the layer's module and its [out, in] weight come from kgedit.lm.families, GPT-2's transposed Conv1D included).

For a request (s, r, o): k* = the key at the subject's last token averaged over the context prefixes;
v* = W k* + δ with δ from kgedit.editors.keyvalue.optimise_deltas (NLL of o, essence KL, norm clamp);
then, with C = E[k kᵀ] of that layer on this world's corpus (kgedit.editors.keystats),
    u = C⁻¹ k*,   W' = W + (v* − W k*) uᵀ / (uᵀ k*)          so that W' k* = v* exactly.
Consistent keys (r-ROME, Gupta et al. 2024): the same averaged k* is used in the direction u, the
denominator and for v0 = W k* (the original ROME mixed a prefix-free key in); the solve runs in
float64. Several requests in one call are applied one after another, each a rank-one update of the
model the previous one left. The reset writes the saved original weight back (bit-identical). A
non-finite solved weight is refused (KgeditError) and the call's earlier writes undone, so a failed
edit leaves the model as it was.

Layer: `layer=trace` edits where causal tracing puts the fact (kgedit.trace.site: the peak average MLP
indirect effect at the last subject token, ROME §3.4). `layer=-1` picks max(0, min(n_layers - 2,
n_layers // 3)): early-middle like ROME's GPT-2 XL layer 17/48, never the last layer — an MLP output at the subject's position in the last layer reaches
the prompt's last token through no attention layer, so it cannot change the answer (bench/rome_layers.py
measures it: tiny (2 layers) -> 0, mistral-83m (12 layers) -> 4).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from pathlib import Path

import torch

from kgedit.editors.base import COUNT, NON_NEGATIVE, POSITIVE, EditOutcome, Editor, EditRequest, Limit, Params
from kgedit.editors.keystats import key_second_moments, sample_documents
from kgedit.editors.keyvalue import DeltaSettings, check_subject, context_prefixes, locate, optimise_deltas, read_at
from kgedit.editors.lora import mean_nll, pair_batch
from kgedit.errors import KgeditError
from kgedit.lm import families
from kgedit.lm.families import projection_weight
from kgedit.lm.scoring import model_device


@dataclass(frozen=True)
class KeyValueParams(Params):
    """What rome and memit share: the v* optimisation and the key statistics. ROME's step count, lr
    (here in units of the value's RMS coordinate, see keyvalue) and KL weight; weight decay 0.05 on
    (‖δ‖/‖v0‖)² — ROME's 0.5 on this squared form held δ back (bench/rome_layers.py, tiny model)."""
    v_steps: int = 20
    v_lr: float = 0.5
    kl_weight: float = 0.0625
    weight_decay: float = 0.05
    clamp_norm_factor: float = 4.0
    n_prefixes: int = 6              # the empty prefix + 5 corpus sentences
    stats_tokens: int = 100_000      # corpus tokens behind C
    token: str = "subject"           # where keys are read and values written: subject (ROME) or last

    LIMITS: ClassVar[dict[str, Limit]] = {
        "v_steps": COUNT, "v_lr": POSITIVE, "kl_weight": NON_NEGATIVE, "weight_decay": NON_NEGATIVE,
        "clamp_norm_factor": POSITIVE, "n_prefixes": COUNT, "stats_tokens": COUNT,
        "token": Limit(choices=("subject", "last"))}

    def delta_settings(self) -> DeltaSettings:
        return DeltaSettings(self.v_steps, self.v_lr, self.kl_weight, self.weight_decay, self.clamp_norm_factor)


TRACE = "trace"      # the layer parameter's word for the edit site causal tracing finds (kgedit.trace.site)


@dataclass(frozen=True)
class RomeParams(KeyValueParams):
    layer: int | str = -1            # -1: auto (see the module docstring); "trace": the traced layer

    LIMITS: ClassVar[dict[str, Limit]] = {**KeyValueParams.LIMITS, "layer": Limit(low=-1, words=(TRACE,))}


def auto_layer(n_layers: int) -> int:
    return max(0, min(n_layers - 2, n_layers // 3))


class DownProjEditor(Editor):
    """Base of rome and memit: prepare (prefixes and C), the edited layers, exact reset of their weights."""

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        n = families.n_layers(model)
        self._site = None           # the traced edit site (kgedit.trace.site.TracedSite), set by prepare
        bad = [] if self.traced else [l for l in self.layers if not 0 <= l < n]
        if bad:
            raise KgeditError(f"{self.name}: layer {bad[0]} does not exist; the model has layers 0..{n - 1}.",
                              "Leave the layer parameter at -1 for the automatic choice.")
        self._prefixes: list[str] | None = None
        self._cov: dict[int, torch.Tensor] = {}
        self._memory: dict[str, torch.Tensor] = {}      # C by cache key, for models without a directory
        self._saved: dict[int, torch.Tensor] = {}       # layer -> original output projection weight [out, in]
        self._before: dict[int, torch.Tensor | None] = {}   # layer -> its weight before the edit under way

    @property
    @abstractmethod
    def layers(self) -> list[int]: ...

    @property
    @abstractmethod
    def traced(self) -> bool:
        """Whether the layers are the traced edit site (layer=trace)."""

    def _traced_site(self):
        if self._site is None:
            raise KgeditError(f"The {self.name} editor's traced layer is found by prepare.",
                              "Call prepare(world_db, requests) with the world database first (kgedit evaluate does).")
        return self._site

    def prepare(self, world_db: Path, requests: Sequence[EditRequest]) -> None:
        """Context prefixes and C of every edited layer, from a seeded sample of the world's documents;
        with layer=trace, first the traced edit site (cached beside the checkpoint)."""
        for r in requests:
            check_subject(r)
        if self.traced and self._site is None:
            from kgedit.trace.site import traced_site

            self._site = traced_site(self.model, self.tok, Path(world_db))
        p = self.params
        sample = sample_documents(Path(world_db), self.tok, p.stats_tokens)
        self._prefixes = context_prefixes(sample.texts, p.n_prefixes)
        self._cov = key_second_moments(self.model, self.tok, sample, self.layers, p.stats_tokens, self._memory)

    def _prepared(self) -> list[str]:
        if self._prefixes is None or any(l not in self._cov for l in self.layers):
            raise KgeditError(f"The {self.name} editor needs the key statistics of its layers before an edit.",
                              "Call prepare(world_db, requests) with the world database first (kgedit evaluate does).")
        return self._prefixes

    def _edit(self, requests: list[EditRequest], *, seed: int, trace: bool) -> EditOutcome:
        """`seed` is unused: the edit is deterministic (δ starts at zero, prefixes are fixed in prepare).
        All of an edit's writes or none: when one fails (a non-finite solution) the layers the edit
        already wrote get back the weights they had before it."""
        steps: list[dict[str, float]] | None = [] if trace else None
        self._before = {}
        try:
            self._solve(requests, self._prepared(), steps)
        except BaseException:
            with torch.no_grad():
                for layer, before in self._before.items():
                    projection_weight(families.mlp_out(self.model, layer)).copy_(
                        self._saved.pop(layer) if before is None else before)
            raise
        finally:
            self._before = {}
        return EditOutcome(seconds=0.0, trace=steps or [], final_loss=self._final_loss(requests))

    @abstractmethod
    def _solve(self, requests: list[EditRequest], prefixes: list[str],
               steps: list[dict[str, float]] | None) -> None:
        """Solve for the new weights of self.layers and write each with _write; `steps` collects the trace."""

    def _write(self, layer: int, weight: torch.Tensor) -> None:
        """Write a solved weight. A non-finite one (inf or NaN: a near-singular solve, or a value beyond
        the model's dtype) is refused, as peft's safe_merge refuses a non-finite merge."""
        w = projection_weight(families.mlp_out(self.model, layer))
        new = weight.to(w.dtype)
        if not bool(torch.isfinite(new).all()):
            raise KgeditError(f"{self.name}: the solved weight of layer {layer} is not finite (inf or NaN); "
                              "the edit was refused and the model left as it was.",
                              "The key statistics C may be near-singular or the update too large: raise "
                              "stats_tokens or lower clamp_norm_factor.")
        if layer not in self._before:        # None: the original weight, which _saved keeps
            self._before[layer] = w.detach().clone() if layer in self._saved else None
        if layer not in self._saved:
            self._saved[layer] = w.detach().clone()
        with torch.no_grad():
            w.copy_(new)

    def _reset(self) -> None:
        with torch.no_grad():
            for layer, w in self._saved.items():
                projection_weight(families.mlp_out(self.model, layer)).copy_(w)
        self._saved = {}

    def _final_loss(self, requests: list[EditRequest]) -> float:
        """Mean per-token NLL of the targets after the plain prompts, on the edited model."""
        with torch.no_grad():
            batch = pair_batch(self.tok, [(r.prompt, r.continuation) for r in requests], model_device(self.model))
            return float(mean_nll(self.model, batch)[0])


def rank_one_update(w: torch.Tensor, c: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """W + (v − W k) uᵀ / (uᵀ k) with u = C⁻¹ k, in float64. w [out, in], c [in, in], k [in], v [out]."""
    w64, k64 = w.detach().double(), k.double().to(w.device)
    u = torch.linalg.solve(c.double().to(w.device), k64)          # [in]
    return w64 + torch.outer(v.double().to(w.device) - w64 @ k64, u) / (u @ k64)


class RomeEditor(DownProjEditor):
    name = "rome"
    Params = RomeParams

    @property
    def traced(self) -> bool:
        return self.params.layer == TRACE

    @property
    def layers(self) -> list[int]:
        layer = self.params.layer
        if self.traced:
            return [self._traced_site().layer]
        return [auto_layer(families.n_layers(self.model)) if layer == -1 else layer]

    def _solve(self, requests: list[EditRequest], prefixes: list[str],
               steps: list[dict[str, float]] | None) -> None:
        layer = self.layers[0]
        module = families.mlp_out(self.model, layer)
        for r in requests:
            loc = locate(self.tok, [r], prefixes, self.params.token)
            k = read_at(self.model, self.tok, loc, {"k": (module, "in")})["k"]      # [1, in]
            v0 = k @ projection_weight(module).detach().double().T                               # [1, out]
            delta = optimise_deltas(self.model, self.tok, [r], loc, module, v0, self.params.delta_settings(), steps)
            self._write(layer, rank_one_update(projection_weight(module), self._cov[layer], k[0], v0[0] + delta[0].double()))
