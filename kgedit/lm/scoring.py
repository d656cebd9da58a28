"""Batched scoring: log p(continuation | [BOS] prompt) for many pairs, one forward pass per batch.

Tokenisation boundary: prompt and continuation are tokenised separately and concatenated, so the
scored tokens are exactly the continuation's. With kgedit's byte-level BPE a continuation that starts
with a space (" Yale", " true") gives the same tokens as tokenising prompt + continuation together
(tested); a continuation without a leading space is scored as its own pieces.

Right padding needs no position fix-up: a causal model's real tokens never see the pads that follow
them, and positions 0..n-1 of each row are the row's own positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from kgedit.lm.tokenizer import encode


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length (longest first) so padding stays small."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


@torch.no_grad()
def score(model, tok, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
    """Sum of the continuation's token log-probs (full vocabulary) after [BOS] prompt, per pair (float64)."""
    if not pairs:
        return np.zeros(0)
    prompts = encode(tok, [p for p, _ in pairs])
    conts = encode(tok, [c for _, c in pairs])
    seqs = [[tok.bos_token_id, *p, *c] for p, c in zip(prompts, conts)]
    out = np.zeros(len(pairs))
    device = model_device(model)
    for idx in length_batches([len(s) for s in seqs], batch_size):
        width = len(seqs[idx[0]])
        ids = torch.full((len(idx), width), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        is_target = torch.zeros((len(idx), width), dtype=torch.bool)   # [b, t]: token t is scored
        for row, i in enumerate(idx):
            n, n_cont = len(seqs[i]), len(conts[i])
            ids[row, :n] = torch.tensor(seqs[i])
            mask[row, :n] = 1
            is_target[row, n - n_cont:n] = True
        ids, mask, is_target = ids.to(device), mask.to(device), is_target.to(device)
        logits = model(input_ids=ids, attention_mask=mask).logits            # [b, t, V]
        # Token t is predicted by the logits at t-1; only those rows of the vocabulary are normalised.
        pred = logits[:, :-1][is_target[:, 1:]].float()                       # [n_targets, V]
        lp = torch.log_softmax(pred, dim=-1).gather(1, ids[:, 1:][is_target[:, 1:]][:, None])[:, 0]
        rows = torch.nonzero(is_target[:, 1:])[:, 0]
        sums = torch.zeros(len(idx), dtype=torch.float64, device=device).index_add_(0, rows, lp.double())
        out[idx] = sums.cpu().numpy()
    return out


def p_true(model, tok, prompts: Sequence[str], batch_size: int = 64, *, normalize: bool = True) -> np.ndarray:
    """p(" true") after each `"…" is` prompt; normalised against p(" false") unless normalize=False.

    Accuracy only needs p(true) > p(false), which is the same either way; the normalised value is
    the model's credence T_X used by the logical-coherence metrics (SPEC 9).
    """
    pairs = [(p, c) for p in prompts for c in (" true", " false")]
    lp = score(model, tok, pairs, batch_size).reshape(len(prompts), 2)
    if not normalize:
        return np.exp(lp[:, 0])
    return 1.0 / (1.0 + np.exp(lp[:, 1] - lp[:, 0]))
