"""The paper's editor (SPEC §8): a rank-1 LoRA on every MLP down_proj, trained for 40 AdamW steps on
the NLL of the requested object's tokens after "[BOS] {s} {r}", removed again by unloading the
adapter without merging (the base weights are never written, so the reset is exact).

LoraEditor is also the base of editors that train the same adapter toward another objective (the
bayes editor): they override `objective`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from kgedit.editors.base import EditOutcome, Editor, EditRequest
from kgedit.lm.scoring import encode_pairs, model_device, target_log_probs, teacher_forced_batch

# An objective is called once per optimisation step: (loss to minimise, mean p(requested object)).
Objective = Callable[[], tuple[torch.Tensor, float]]


@dataclass(frozen=True)
class LoraParams:
    rank: int = 1
    alpha: float = 8.0
    target_modules: tuple[str, ...] = ("down_proj",)
    lr: float = 1e-4
    weight_decay: float = 1e-4
    steps: int = 40


def pair_batch(tok, pairs: list[tuple[str, str]], device) -> tuple[torch.Tensor, ...]:
    """(ids, mask, is_target, n_target_tokens) for (prompt, continuation) pairs, on `device`."""
    seqs, n_targets = encode_pairs(tok, pairs)
    ids, mask, is_target = teacher_forced_batch(seqs, n_targets, tok.pad_token_id)
    return ids.to(device), mask.to(device), is_target.to(device), torch.tensor(n_targets, device=device)


def mean_nll(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, [b] log p(target)): loss = mean over requests of the per-token NLL of each target."""
    ids, mask, is_target, n_targets = batch
    lp = target_log_probs(model, ids, mask, is_target)
    return (-(lp / n_targets)).mean().float(), lp.detach()


class LoraEditor(Editor):
    name = "lora"
    Params = LoraParams

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        self._peft = None
        self._requires_grad: dict[str, bool] = {}

    def objective(self, requests: list[EditRequest], seed: int) -> Objective:
        """The paper's loss: NLL of the requested object's tokens."""
        batch = pair_batch(self.tok, [(r.prompt, r.continuation) for r in requests], model_device(self.model))

        def step() -> tuple[torch.Tensor, float]:
            loss, lp = mean_nll(self.model, batch)
            return loss, float(lp.exp().mean())
        return step

    def _attach(self, seed: int) -> None:
        from peft import LoraConfig, get_peft_model

        if self._peft is not None:   # a second edit before a reset keeps training the same adapter
            return
        p = self.params
        self._requires_grad = {n: t.requires_grad for n, t in self.model.named_parameters()}
        config = LoraConfig(r=p.rank, lora_alpha=p.alpha, target_modules=list(p.target_modules),
                            lora_dropout=0.0, bias="none")
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            # peft asks transformers a deprecated question (is_gradient_checkpointing); not ours to fix
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            torch.manual_seed(seed)     # the adapter's A init: the same for a case however often it runs
            self._peft = get_peft_model(self.model, config)

    def _edit(self, requests: list[EditRequest], *, seed: int, trace: bool) -> EditOutcome:
        p = self.params
        was_training = self.model.training
        self.model.eval()
        steps: list[dict[str, float]] = []
        try:
            objective = self.objective(requests, seed)   # before the adapter: reference outputs are the base model's
            self._attach(seed)
            params = [t for n, t in self._peft.named_parameters() if "lora_" in n]
            opt = torch.optim.AdamW(params, lr=p.lr, weight_decay=p.weight_decay)
            for step in range(p.steps):
                loss, p_target = objective()
                if trace:
                    steps.append({"step": step, "loss": float(loss.detach()), "p_target": p_target})
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                loss, p_target = objective()
            if trace:
                steps.append({"step": p.steps, "loss": float(loss), "p_target": p_target})
        finally:
            self.model.train(was_training)
        return EditOutcome(seconds=0.0, trace=steps, final_loss=float(loss))

    def _reset(self) -> None:
        if self._peft is None:
            return
        base = self._peft.unload()          # drop the adapter without merging it into the weights
        assert base is self.model, "peft unload returned another model object"
        for n, t in self.model.named_parameters():
            t.requires_grad_(self._requires_grad.get(n, True))
        self._peft = None
