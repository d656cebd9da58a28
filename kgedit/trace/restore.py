"""Causal tracing's three runs (ROME §2): clean, corrupted (noise on the subject's input embeddings) and
corrupted-with-restoration, each measured as p(object | [BOS] prompt): as in ROME, the probability of the
object's first token at the prompt's last position. (The whole object's probability would also depend on
the object's own positions, which see the corrupted subject and are no cell of the grid: restoring the
last layer at the last token would then not give the clean run back.)

A restoration *cell* names which clean states are written back into the corrupted run: the outputs of
one kind of module (`hidden`: a decoder layer, i.e. the residual stream; `mlp`; `attn`) at some token
positions and some layers. The grid of causal tracing is one cell per (token, layer), with a window of
layers for mlp and attn.

Batched by construction: every (noise sample, cell) pair is a row of one forward pass (chunked to
`batch_rows`). Forward hooks add each row's noise to the subject's embeddings and write the clean
state into exactly the rows and positions that restore each module. `loop_restored_probs` is the
plain one-forward-per-cell reference the batched version is tested and benchmarked against.

Module paths come from the model-family table (kgedit.lm.families): a decoder layer, its MLP (OPT's
output projection, whose flattened [rows * tokens, d] output `families.per_row` views per row) and its
attention, and the input embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from kgedit.lm import families
from kgedit.lm.scoring import model_device
from kgedit.trace.grid import Cell

def module(model, kind: str, layer: int) -> torch.nn.Module:
    """The module whose output a cell of `kind` restores at `layer`."""
    if kind == "hidden":
        return families.decoder_layers(model)[layer]
    return families.mlp(model, layer) if kind == "mlp" else families.attention(model, layer)


@dataclass(frozen=True)
class TracedPrompt:
    """One prompt's token row [BOS] prompt, the object's first token `target`, and the subject's token
    positions in the row."""
    ids: tuple[int, ...]
    target: int
    subject: tuple[int, ...]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _with_first(out, value):
    return (value, *out[1:]) if isinstance(out, tuple) else value


def _p(model, ids: torch.Tensor, target: int) -> torch.Tensor:
    """[rows] float64 p(target) at the last position of rows `ids` [rows, T]."""
    hidden = model.get_decoder()(input_ids=ids).last_hidden_state          # [rows, T, H]
    logits = model.get_output_embeddings()(hidden[:, -1]).float()          # [rows, V]
    return torch.softmax(logits, -1)[:, target].double()


@torch.no_grad()
def clean_run(model, prompt: TracedPrompt, kinds: Sequence[str]) -> tuple[float, dict[tuple[str, int], torch.Tensor]]:
    """p(object) of the clean run and the clean output [T, H] of every module of `kinds`, by (kind, layer)."""
    states: dict[tuple[str, int], torch.Tensor] = {}

    def keep(key):
        def hook(_m, _args, out):
            states[key] = families.per_row(_first(out), 1)[0].detach().clone()
        return hook

    handles = [module(model, k, l).register_forward_hook(keep((k, l))) for k in kinds for l in range(families.n_layers(model))]
    try:
        ids = torch.tensor([prompt.ids], device=model_device(model))
        p = float(_p(model, ids, prompt.target)[0])
    finally:
        for h in handles:
            h.remove()
    return p, states


@torch.no_grad()
def restored_probs(model, prompt: TracedPrompt, clean: dict[tuple[str, int], torch.Tensor], noise: torch.Tensor,
                   cells: Sequence[Cell], batch_rows: int = 512) -> torch.Tensor:
    """p(object) [samples, cells] (float64, CPU) of the corrupted run restored by each cell, for each
    noise sample (noise [samples, n_subject_tokens, H]). Rows are (sample, cell) pairs, sample-major."""
    device = model_device(model)
    n_samples, n_cells = noise.shape[0], len(cells)
    noise = noise.to(device)
    subject = torch.tensor(prompt.subject, device=device)
    out = torch.empty(n_samples * n_cells, dtype=torch.float64)
    for start in range(0, n_samples * n_cells, batch_rows):
        rows = range(start, min(start + batch_rows, n_samples * n_cells))
        samples = torch.tensor([r // n_cells for r in rows], device=device)
        writes: dict[tuple[str, int], tuple[list[int], list[int]]] = {}   # (kind, layer) -> (rows, positions)
        for i, r in enumerate(rows):
            cell = cells[r % n_cells]
            for layer in cell.layers:
                at = writes.setdefault((cell.kind, layer), ([], []))
                at[0].extend([i] * len(cell.tokens))
                at[1].extend(cell.tokens)

        def corrupt(_m, _args, emb):
            emb = emb.clone()
            emb[:, subject] += noise[samples].to(emb.dtype)        # [rows, n_subject, H]
            return emb

        def restore(key, row_idx, pos_idx):
            def hook(_m, _args, output):
                h = _first(output).clone()
                families.per_row(h, len(rows))[row_idx, pos_idx] = clean[key][pos_idx].to(h.dtype)
                return _with_first(output, h)
            return hook

        handles = [families.embedding(model).register_forward_hook(corrupt)]
        for key, (row_idx, pos_idx) in sorted(writes.items()):
            handles.append(module(model, *key).register_forward_hook(
                restore(key, torch.tensor(row_idx, device=device), torch.tensor(pos_idx, device=device))))
        try:
            ids = torch.tensor([prompt.ids], device=device).expand(len(rows), -1)
            out[start:start + len(rows)] = _p(model, ids, prompt.target).cpu()
        finally:
            for h in handles:
                h.remove()
    return out.view(n_samples, n_cells)


@torch.no_grad()
def loop_restored_probs(model, prompt: TracedPrompt, clean: dict[tuple[str, int], torch.Tensor],
                        noise: torch.Tensor, cells: Sequence[Cell]) -> torch.Tensor:
    """The reference for restored_probs: one single-row forward pass per (noise sample, cell)."""
    device = model_device(model)
    ids = torch.tensor([prompt.ids], device=device)
    out = torch.empty(noise.shape[0], len(cells), dtype=torch.float64)
    for s in range(noise.shape[0]):
        for c, cell in enumerate(cells):
            def corrupt(_m, _args, emb, s=s):
                emb = emb.clone()
                emb[0, list(prompt.subject)] += noise[s].to(device, emb.dtype)
                return emb

            def restore(key):
                def hook(_m, _args, output):
                    h = _first(output).clone()
                    families.per_row(h, 1)[0, list(cell.tokens)] = clean[key][list(cell.tokens)].to(h.dtype)
                    return _with_first(output, h)
                return hook

            handles = [families.embedding(model).register_forward_hook(corrupt)]
            handles += [module(model, cell.kind, l).register_forward_hook(restore((cell.kind, l))) for l in cell.layers]
            try:
                out[s, c] = float(_p(model, ids, prompt.target)[0])
            finally:
                for h in handles:
                    h.remove()
    return out
