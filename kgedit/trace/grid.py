"""The grid of causal tracing and its summaries (pure: plain values and numpy, no model).

* Cells: one per (kind, token, layer) over the prompt's tokens (not BOS, which precedes the subject and
  so never differs between the clean and the corrupted run). `hidden` restores one layer's output;
  `mlp` and `attn` restore the module's outputs over a window of layers centred on the layer (ROME
  §2: window 10 of GPT-2 XL's 48 layers), clipped at the ends.
* Window: scaled to depth, ceil(10 · n_layers / 48): 1 for 2 layers, 3 for 12, 10 for 48.
* Token classes (ROME Fig. 2): first / middle / last subject token, first subsequent token, further
  tokens, last token. A token can be in several (a one-token subject is its first and last token).
* Averages: per kind, class and layer, the mean over the prompts that have the class of the mean
  indirect effect over the class's tokens in that prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kgedit.errors import KgeditError

KINDS = ("hidden", "mlp", "attn")
TOKEN_CLASSES = ("first subject token", "middle subject tokens", "last subject token", "first subsequent token",
                 "further tokens", "last token")
LAST_SUBJECT = "last subject token"


@dataclass(frozen=True)
class Cell:
    """Restore the clean output of `kind` modules at positions `tokens` (indices into the row, BOS = 0)
    for every layer in `layers`; no tokens: the plain corrupted run."""
    kind: str
    tokens: tuple[int, ...] = ()
    layers: tuple[int, ...] = ()


def parse_kinds(text: str, name: str = "--kind") -> tuple[str, ...]:
    """'hidden,mlp' -> ('hidden', 'mlp') in KINDS order; a misspelt or empty list is an error."""
    import difflib

    given = [k.strip() for k in text.split(",") if k.strip()]
    for k in given:
        if k not in KINDS:
            close = difflib.get_close_matches(k, KINDS, n=1)
            raise KgeditError(f"{name} {k!r} is not a kind of state to restore.",
                              (f"Did you mean {close[0]!r}? " if close else "") + "Kinds: " + ", ".join(KINDS))
    if not given:
        raise KgeditError(f"{name} names no kind of state.", "For example: --kind hidden,mlp,attn")
    return tuple(k for k in KINDS if k in given)


def auto_window(n_layers: int) -> int:
    return max(1, math.ceil(10 * n_layers / 48))


def check_window(window: int, n_layers: int, name: str = "--window") -> None:
    if window > n_layers:
        raise KgeditError(f"{name} {window} is more layers than the model has ({n_layers}).",
                          f"Use a window of 1..{n_layers}, or leave it out for the automatic one "
                          f"({auto_window(n_layers)} for this model).")


def window_layers(layer: int, window: int, n_layers: int) -> tuple[int, ...]:
    """The layers of a window of `window` centred on `layer` (ROME's: layer - w//2 .. layer + ceil(w/2) - 1)."""
    return tuple(range(max(0, layer - window // 2), min(n_layers, layer - (-window // 2))))


def grid_cells(kinds: Sequence[str], n_tokens: int, n_layers: int, window: int) -> list[Cell]:
    """The corrupted run (first, no restoration), then per kind, token (row position 1..n_tokens) and
    layer the cell restoring it."""
    cells = [Cell(kinds[0])]
    for kind in kinds:
        for t in range(1, n_tokens + 1):
            for layer in range(n_layers):
                span = (layer,) if kind == "hidden" else window_layers(layer, window, n_layers)
                cells.append(Cell(kind, (t,), span))
    return cells


def token_classes(n_tokens: int, n_subject: int) -> list[tuple[str, ...]]:
    """The classes of each prompt token (0-based, subject first: tokens 0..n_subject-1)."""
    out = []
    for t in range(n_tokens):
        c = []
        if t < n_subject:
            c += ["first subject token"] if t == 0 else []
            c += ["middle subject tokens"] if 0 < t < n_subject - 1 else []
            c += [LAST_SUBJECT] if t == n_subject - 1 else []
        elif t == n_subject:
            c.append("first subsequent token")
        elif t < n_tokens - 1:
            c.append("further tokens")
        if t == n_tokens - 1:
            c.append("last token")
        out.append(tuple(c))
    return out


def class_average(effects: Sequence[np.ndarray], classes: Sequence[list[tuple[str, ...]]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """effects[i] [n_tokens_i, n_layers] of prompt i; classes[i] its token classes ->
    (mean effect [n_classes, n_layers], number of prompts per class [n_classes])."""
    n_layers = effects[0].shape[1]
    total, count = np.zeros((len(TOKEN_CLASSES), n_layers)), np.zeros(len(TOKEN_CLASSES), dtype=np.int64)
    for e, cls in zip(effects, classes):
        for k, name in enumerate(TOKEN_CLASSES):
            rows = [t for t, c in enumerate(cls) if name in c]
            if rows:
                total[k] += e[rows].mean(0)
                count[k] += 1
    return total / np.maximum(count, 1)[:, None], count


def peak_layer(mlp_average: np.ndarray) -> int:
    """The layer of the largest average MLP indirect effect at the last subject token (the lowest on a tie)."""
    return int(np.argmax(mlp_average[TOKEN_CLASSES.index(LAST_SUBJECT)]))
