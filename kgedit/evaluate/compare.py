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
from kgedit.evaluate.counterfact import SCORES, counterfact_table, runtime
from kgedit.evaluate.tables import COLUMNS, SPLITS, compute_tables

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
    from kgedit import db
    from kgedit.evaluate.results import open_results

    if split not in SPLITS:
        raise KgeditError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    if len(folders) < 2:
        raise KgeditError("--compare needs at least two results folders.",
                          "For example: kgedit report --compare results/lora results/rome")
    rows = []
    for folder in folders:
        con = open_results(folder)
        try:
            config = json.loads(db.fetch(con, "SELECT config FROM eval_info")[1][0][0])
            table = next(t for t in compute_tables(con, match=match, prob=prob, weight=weight) if t.split == split)
            cf, time = counterfact_table(con), runtime(con)
        finally:
            con.close()
        values = dict(table.post)
        values.update({c: getattr(cf.post, c) for c in SCORES})
        values.update({"sec_mean": time.mean, "sec_p50": time.p50, "sec_p95": time.p95})
        rows.append(CompareRow(str(folder), config["editor"], config.get("editor_params") or {}, table.n, values))
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
