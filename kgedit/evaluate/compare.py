"""`kgedit report --compare`: editors side by side, one row per results folder.

Each row: the editor and the parameters that differ between the compared runs, the post-edit
accuracy / coherence of one split of Tables 4/5, the CounterFact group (post-edit) and the runtime per
edit. Every number comes from the same functions as the single-run report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgedit.errors import KgeditError
from kgedit.evaluate.counterfact import SCORES
from kgedit.evaluate.results import read_results
from kgedit.evaluate.tables import COLUMNS, SPLITS

COMPARE_COLUMNS = COLUMNS + SCORES + ("sec_mean", "sec_p50", "sec_p95")


@dataclass(frozen=True)
class CompareRow:
    folder: str
    editor: str
    params: dict[str, Any]      # every editor parameter of the run
    n: int                      # cases in the split
    values: dict[str, float]    # COMPARE_COLUMNS -> post-edit value


def compare_rows(folders: list[Path], *, split: str = "all_edit_requests", match: str = "exact",
                 prob: str = "raw", weight: str = "n_prime") -> list[CompareRow]:
    if split not in SPLITS:
        raise KgeditError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    if len(folders) < 2:
        raise KgeditError("--compare needs at least two results folders.",
                          "For example: kgedit report --compare results/lora results/rome")
    rows = []
    for folder in folders:
        r = read_results(folder, match=match, prob=prob, weight=weight)
        table = next(t for t in r.tables if t.split == split)
        values = dict(table.post)
        values.update({c: getattr(r.counterfact.post, c) for c in SCORES})
        values.update({"sec_mean": r.runtime.mean, "sec_p50": r.runtime.p50, "sec_p95": r.runtime.p95})
        rows.append(CompareRow(str(folder), r.config["editor"], r.config.get("editor_params") or {}, table.n, values))
    return rows


def distinguishing_params(rows: list[CompareRow]) -> list[str]:
    """'k=v, …' per row: only the parameters whose value is not the same in every compared run of that editor."""
    labels = []
    for row in rows:
        same_editor = [r.params for r in rows if r.editor == row.editor]
        keys = sorted(k for k in row.params if len({json.dumps(p.get(k), sort_keys=True) for p in same_editor}) > 1)
        labels.append(", ".join(f"{k}={_short(row.params[k])}" for k in keys))
    return labels


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)
