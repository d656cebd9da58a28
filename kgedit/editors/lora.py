"""The paper's editor (SPEC §8): a rank-1 LoRA on every MLP output projection (down_proj in Mistral;
kgedit.lm.families names it for each family), trained for 40 AdamW steps on
the NLL of the requested object's tokens after "[BOS] {s} {r}", removed again by unloading the
adapter without merging (the base weights are never written, so the reset is exact).

Two ways to run it, one objective: `edit` trains one peft adapter for the requests given (the paper's
per-case editing); `edit_cases` trains one adapter per request, all at once (kgedit.editors.parallel),
each request an independent case with its own seed — per case the same edit as `edit` on that case
alone. The adapter's A factor is drawn from the case's seed (parallel.lora_a_init) either way.

LoraEditor is also the base of editors that train the same adapter toward another objective (the
bayes editor): they override `objective`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import torch

from kgedit.editors.base import COUNT, NON_NEGATIVE, POSITIVE, EditOutcome, Editor, EditRequest, Limit, Params, Route
from kgedit.editors.parallel import RoutedLora, lora_a_init, lora_targets
from kgedit.errors import KgeditError
from kgedit.lm import families
from kgedit.lm.scoring import encode_pairs, model_device, target_log_probs, teacher_forced_batch

# An objective is called once per optimisation step: ([n] loss of each request, [n] p(requested object),
# [n] bool: the request has reached its targets (early stopping; None: never)).
Objective = Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]


@dataclass(frozen=True)
class LoraParams(Params):
    rank: int = 1
    alpha: float = 8.0
    target_modules: tuple[str, ...] = ("auto",)     # module names (peft's matching); auto: every MLP output projection
    lr: float = 1e-4
    weight_decay: float = 1e-4
    steps: int = 40
    positions: str = "all"      # where the adapter acts: every position, or only the edited subject's tokens

    LIMITS: ClassVar[dict[str, Limit]] = {"rank": COUNT, "alpha": POSITIVE, "target_modules": Limit(),
                                          "lr": POSITIVE, "weight_decay": NON_NEGATIVE, "steps": COUNT,
                                          "positions": Limit(choices=("all", "subject"))}


def pair_batch(tok, pairs: list[tuple[str, str]], device) -> tuple[torch.Tensor, ...]:
    """(ids, mask, is_target, n_target_tokens) for (prompt, continuation) pairs, on `device`."""
    seqs, n_targets = encode_pairs(tok, pairs)
    ids, mask, is_target = teacher_forced_batch(seqs, n_targets, tok.pad_token_id)
    return ids.to(device), mask.to(device), is_target.to(device), torch.tensor(n_targets, device=device)


def per_token_nll(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """([b] per-token NLL of each row's target, [b] log p(target) detached)."""
    ids, mask, is_target, n_targets = batch
    lp = target_log_probs(model, ids, mask, is_target)
    return -(lp / n_targets), lp.detach()


def mean_nll(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, [b] log p(target)): loss = mean over requests of the per-token NLL of each target."""
    nll, lp = per_token_nll(model, batch)
    return nll.mean().float(), lp


def subject_spellings(tok, requests: Sequence[EditRequest]) -> list[list[list[int]]]:
    """Per request, the token ids its subject is written with: prompt-initial "{s}", mid-sentence " {s}"
    and after an opening quote ('"{s}", the T/F forms) when that tokenises apart."""
    from kgedit.lm.tokenizer import encode

    if any(not r.subject for r in requests):
        raise KgeditError("positions=subject needs each edit's subject name.",
                          "kgedit evaluate passes it; build EditRequest(..., subject=name) yourself.")
    out = []
    for r in requests:
        plain, spaced, quoted = encode(tok, [r.subject, " " + r.subject, '"' + r.subject])
        if tok.decode(quoted[:1]) == '"':
            quoted = quoted[1:]
        out.append([list(s) for s in dict.fromkeys(map(tuple, (plain, spaced, quoted)))])
    return out


def _no_route(slots: Sequence[int]) -> None:
    return None


class LoraEditor(Editor):
    name = "lora"
    Params = LoraParams
    parallel = True

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        if self.params.target_modules == ("auto",):
            self.params = replace(self.params, target_modules=(families.mlp_out_name(model),))
        lora_targets(model, self.params.target_modules)   # unknown module names fail here, not at the first edit
        self._peft = None
        self._routed: RoutedLora | None = None
        self._edited_requests: list[EditRequest] = []     # positions=subject: this adapter's requests so far
        self._requires_grad: dict[str, bool] = {}

    def objective(self, requests: list[EditRequest], seeds: list[int], route: Route) -> Objective:
        """The paper's loss: per request, the per-token NLL of the requested object's tokens."""
        batch = pair_batch(self.tok, [(r.prompt, r.continuation) for r in requests], model_device(self.model))
        rows = list(range(len(requests)))

        def step() -> tuple[torch.Tensor, torch.Tensor, None]:
            route(rows)
            nll, lp = per_token_nll(self.model, batch)
            return nll.float(), lp.exp(), None
        return step

    # --- one adapter for the requests of one edit (peft) --------------------------------------------
    def _attach(self, seed: int) -> None:
        from peft import LoraConfig, get_peft_model

        if self._peft is not None:   # a second edit before a reset keeps training the same adapter
            return
        p = self.params
        self._freeze()
        targets = lora_targets(self.model, p.target_modules)
        config = LoraConfig(r=p.rank, lora_alpha=p.alpha, target_modules=list(p.target_modules),
                            lora_dropout=0.0, bias="none", fan_in_fan_out=families.family(self.model).transposed)
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            # peft asks transformers a deprecated question (is_gradient_checkpointing); not ours to fix
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            self._peft = get_peft_model(self.model, config)
        # The case's own A (the draw edit_cases makes for it), whatever peft's initialiser consumed.
        inits = lora_a_init(seed, [(p.rank, families.projection_dims(m)[0]) for _, m in targets])
        with torch.no_grad():
            for (name, _), a in zip(targets, inits):
                lora_a = self.model.get_submodule(name).lora_A["default"].weight
                lora_a.copy_(a.to(lora_a.device, lora_a.dtype))

    def _edit(self, requests: list[EditRequest], *, seed: int, trace: bool) -> EditOutcome:
        if self.params.positions == "subject":   # peft adapts every position: one RoutedLora case instead
            objective = self.objective(requests, [seed] * len(requests), self._one_case)
            params = self._attach_at_subjects(requests, seed)
        else:
            objective = self.objective(requests, [seed] * len(requests), _no_route)   # before the adapter
            self._attach(seed)
            params = [t for n, t in self._peft.named_parameters() if "lora_" in n]
        traces = self._train(objective, params, lambda losses: losses.mean(), trace, shared=True)
        if self._routed is not None:
            self._routed.route(None)            # the measurements after the edit pass no slots
        # One edit: its trace and final loss are the means over its requests.
        mean_trace = [{"step": steps[0]["step"], **{k: sum(s[k] for s in steps) / len(steps) for k in ("loss", "p_target")}}
                      for steps in zip(*traces)]
        return EditOutcome(seconds=0.0, trace=mean_trace, final_loss=sum(self._last_loss) / len(self._last_loss))

    def _attach_at_subjects(self, requests: list[EditRequest], seed: int) -> list:
        """One adapter acting at the subjects' positions of every request edited since the last reset."""
        p = self.params
        self._edited_requests = [*self._edited_requests, *requests] if self._routed else list(requests)
        spellings = [[s for per_request in subject_spellings(self.tok, self._edited_requests) for s in per_request]]
        if self._routed is None:
            self._freeze()
            self._routed = RoutedLora(self.model, p.target_modules, p.rank, p.alpha, [seed], spellings)
        else:
            self._routed.set_subjects(spellings)
        return self._routed.parameters()

    def _one_case(self, slots: Sequence[int]) -> None:
        if self._routed is not None:
            self._routed.route([0] * len(slots))

    # --- one adapter per case, all cases at once (kgedit.editors.parallel) --------------------------
    def edit_cases(self, requests: Sequence[EditRequest], seeds: Sequence[int], *,
                   trace: bool = False) -> list[EditOutcome]:
        """Edit each request as an independent case (its own adapter and seed), all in one batch. Until
        `reset`, row i of a forward pass sees case slots[i]'s edit: call `route(slots)` before it."""
        requests, seeds = list(requests), [int(s) for s in seeds]
        if not requests or len(requests) != len(seeds):
            raise ValueError("edit_cases needs one seed per request and at least one request")
        if self.edited:
            raise RuntimeError("edit_cases on an edited model: reset() first")
        start = time.perf_counter()
        objective = self.objective(requests, seeds, self.route)
        p = self.params
        self._freeze()
        self._routed = RoutedLora(self.model, p.target_modules, p.rank, p.alpha, seeds,
                                  subject_spellings(self.tok, requests) if p.positions == "subject" else None)
        self.edited = True
        traces = self._train(objective, self._routed.parameters(), lambda losses: losses.sum(), trace)
        seconds = (time.perf_counter() - start) / len(requests)      # the batch's time, shared evenly
        return [EditOutcome(seconds=seconds, trace=traces[i] if traces else [], final_loss=self._last_loss[i])
                for i in range(len(requests))]

    def route(self, slots: Sequence[int]) -> None:
        if self._routed is not None:
            self._routed.route(slots)

    # --- shared -------------------------------------------------------------------------------------
    def _freeze(self) -> None:
        self._requires_grad = {n: t.requires_grad for n, t in self.model.named_parameters()}
        for t in self.model.parameters():
            t.requires_grad_(False)

    def _train(self, objective: Objective, params, total, trace: bool, *, shared: bool = False
               ) -> list[list[dict[str, float]]]:
        """`steps` AdamW steps on total(losses); per-request traces when asked, final losses kept.

        Early stopping (an objective that says when a request has reached its targets): with `shared`
        parameters (one adapter for all requests) training stops once every request has; with one
        adapter per request (RoutedLora: row c of each parameter is request c's), a request's rows are
        put back after every later step, so it ends where it would have alone, and training stops
        once all have."""
        p = self.params
        was_training = self.model.training
        self.model.eval()
        traces: list[list[dict[str, float]]] = []
        stopped: torch.Tensor | None = None          # [n] bool: requests that have stopped (own adapters)
        kept: list[torch.Tensor] = []                # their parameters' rows as they were then
        try:
            opt = torch.optim.AdamW(params, lr=p.lr, weight_decay=p.weight_decay)
            for step in range(p.steps):
                losses, p_target, settled = objective()
                if trace:
                    self._record(traces, step, losses, p_target, stopped)
                if settled is not None:
                    if shared:
                        if bool(settled.all()):
                            break
                    else:
                        stopped = torch.zeros_like(settled) if stopped is None else stopped
                        newly = settled & ~stopped
                        if bool(newly.any()):
                            kept = kept or [t.detach().clone() for t in params]
                            for t, k in zip(params, kept):
                                k[newly] = t.detach()[newly]
                            stopped |= newly
                        if bool(stopped.all()):
                            break
                total(losses).backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
                if stopped is not None and bool(stopped.any()):
                    with torch.no_grad():
                        for t, k in zip(params, kept):
                            t[stopped] = k[stopped]
            with torch.no_grad():
                losses, p_target, _ = objective()
            if trace:
                self._record(traces, p.steps, losses, p_target)
        finally:
            self.model.train(was_training)
        self._last_loss = [float(v) for v in losses.detach().cpu()]
        return traces

    @staticmethod
    def _record(traces, step: int, losses: torch.Tensor, p_target: torch.Tensor,
                stopped: torch.Tensor | None = None) -> None:
        """One step of each request's trace (not of requests that have stopped early)."""
        if not traces:
            traces.extend([] for _ in range(len(losses)))
        skip = [False] * len(losses) if stopped is None else stopped.cpu().tolist()
        for i, (loss, pt) in enumerate(zip(losses.detach().cpu().tolist(), p_target.detach().cpu().tolist())):
            if not skip[i]:
                traces[i].append({"step": step, "loss": float(loss), "p_target": float(pt)})

    def _reset(self) -> None:
        self._edited_requests = []
        if self._routed is not None:
            self._routed.remove()
            self._routed = None
        if self._peft is not None:
            base = self._peft.unload()          # drop the adapter without merging it into the weights
            assert base is self.model, "peft unload returned another model object"
            self._peft = None
        for n, t in self.model.named_parameters():
            t.requires_grad_(self._requires_grad.get(n, True))
