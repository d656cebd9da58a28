"""Batched scoring: log p(continuation | [BOS] prompt) for many pairs, one forward pass per batch.

Tokenisation boundary: prompt + continuation is tokenised as one text and cut where the continuation
starts (kgedit.lm.tokenizer.split_pairs), so the scored tokens are the continuation's as the model reads
it in running text, for every tokenizer convention (byte-level "Ġ", SentencePiece "▁"). With kgedit's
byte-level BPE this equals tokenising the two separately for a continuation that starts with a space
(" Yale", " true"; tested).

Right padding needs no position fix-up: a causal model's real tokens never see the pads that follow
them, and positions 0..n-1 of each row are the row's own positions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from kgedit.lm.tokenizer import split_pairs


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length (longest first) so padding stays small."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def teacher_forced_batch(seqs: Sequence[Sequence[int]], n_targets: Sequence[int], pad_id: int):
    """Right-padded (ids, attention mask, is_target) for rows `seqs`; the last n_targets[i] tokens of row i
    are the ones scored (is_target), everything before them is context."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    is_target = torch.zeros((len(seqs), width), dtype=torch.bool)   # [b, t]: token t is scored
    for row, (seq, n_cont) in enumerate(zip(seqs, n_targets)):
        n = len(seq)
        ids[row, :n] = torch.tensor(seq)
        mask[row, :n] = 1
        is_target[row, n - n_cont:n] = True
    return ids, mask, is_target


def target_log_probs(model, ids: torch.Tensor, mask: torch.Tensor, is_target: torch.Tensor) -> torch.Tensor:
    """[b] float64: sum of log p(token) over each row's target tokens (differentiable when grad is on).

    The output layer runs only where a target token is predicted (as the causal LM's own forward
    would, on fewer positions): prompts are most of each row, and the vocabulary-wide logits of the
    other positions would cost time and, in training, most of the memory."""
    hidden = model.get_decoder()(input_ids=ids, attention_mask=mask).last_hidden_state   # [b, t, h]
    # Token t is predicted by the hidden state at t-1; only those positions are projected and normalised.
    pred = model.get_output_embeddings()(hidden[:, :-1][is_target[:, 1:]]).float()     # [n_targets, V]
    lp = torch.log_softmax(pred, dim=-1).gather(1, ids[:, 1:][is_target[:, 1:]][:, None])[:, 0]
    rows = torch.nonzero(is_target[:, 1:])[:, 0]
    return torch.zeros(len(ids), dtype=torch.float64, device=ids.device).index_add(0, rows, lp.double())


def encode_pairs(tok, pairs: Sequence[tuple[str, str]]) -> tuple[list[list[int]], list[int]]:
    """[BOS] prompt continuation token ids per pair, and the continuation's token count."""
    split = split_pairs(tok, list(pairs))
    return [[tok.bos_token_id, *p, *c] for p, c in split], [len(c) for _, c in split]


# Called with the input indices of each batch's rows before its forward pass: an edit-parallel
# editor routes each row to its case's edit (kgedit.editors.parallel).
BatchHook = Callable[[np.ndarray], None]


@torch.no_grad()
def score(model, tok, pairs: Sequence[tuple[str, str]], batch_size: int = 64, *,
          on_batch: BatchHook | None = None) -> np.ndarray:
    """Sum of the continuation's token log-probs (full vocabulary) after [BOS] prompt, per pair (float64)."""
    if not pairs:
        return np.zeros(0)
    seqs, n_conts = encode_pairs(tok, pairs)
    out = np.zeros(len(pairs))
    device = model_device(model)
    for idx in length_batches([len(s) for s in seqs], batch_size):
        if on_batch is not None:
            on_batch(idx)
        batch = teacher_forced_batch([seqs[i] for i in idx], [n_conts[i] for i in idx], tok.pad_token_id)
        out[idx] = target_log_probs(model, *(t.to(device) for t in batch)).cpu().numpy()
    return out


def p_true(model, tok, prompts: Sequence[str], batch_size: int = 64, *, normalize: bool = True,
           on_batch: BatchHook | None = None) -> np.ndarray:
    """p(" true") after each `"…" is` prompt; normalised against p(" false") unless normalize=False.

    Accuracy only needs p(true) > p(false), which is the same either way; the normalised value is
    the model's credence T_X used by the logical-coherence metrics (SPEC 9).
    """
    pairs = [(p, c) for p in prompts for c in (" true", " false")]
    hook = None if on_batch is None else (lambda idx: on_batch(idx // 2))     # pair 2i, 2i+1 -> prompt i
    lp = score(model, tok, pairs, batch_size, on_batch=hook).reshape(len(prompts), 2)
    if not normalize:
        return np.exp(lp[:, 0])
    return 1.0 / (1.0 + np.exp(lp[:, 1] - lp[:, 0]))
