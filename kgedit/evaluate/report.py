"""Printing an evaluation's results: Tables 4/5 as text (optionally beside the paper's numbers), the
CounterFact scores, editors compared, the degradation curve of a sequential run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from kgedit.evaluate.counterfact import SCORES, CounterfactTable, Runtime
from kgedit.evaluate.tables import COLUMNS, PAPER, SPLIT_TITLES, SplitTable
from kgedit.report.render import render_rows

HEADERS = ("s1r1 acc", "s1r2 acc", "s2r1 acc", "s2r2 acc", "s1r1 coh", "s1r2 coh", "s2r1 coh", "s2r2 coh",
           "TF", "neg", "and", "or")


def _fmt(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def table_rows(table: SplitTable, paper: bool) -> list[list[str]]:
    rows = [["pre-edit", *(_fmt(table.pre[c]) for c in COLUMNS)],
            ["post-edit", *(_fmt(table.post[c]) for c in COLUMNS)],
            ["Δ", *(_fmt(table.delta[c], signed=True) for c in COLUMNS)]]
    if paper and table.split in PAPER:
        pre, post = PAPER[table.split]["pre"], PAPER[table.split]["post"]
        rows += [["paper pre", *(_fmt(v) for v in pre)], ["paper post", *(_fmt(v) for v in post)],
                 ["paper Δ", *(_fmt(b - a, signed=True) for a, b in zip(pre, post))]]
    return rows


def render_tables(tables: list[SplitTable], *, paper: bool = False, fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps(_no_nan([t.as_dict() for t in tables]), indent=2)
    if fmt == "csv":
        rows = [[t.split, t.n, name, *(vals[c] for c in COLUMNS)]
                for t in tables for name, vals in (("pre", t.pre), ("post", t.post), ("delta", t.delta))]
        return render_rows(["split", "n", "row", *COLUMNS], rows, "csv")
    parts = [render_rows(["", *HEADERS], table_rows(t, paper), "table", width=140,
                         title=f"{SPLIT_TITLES[t.split]} (n = {t.n})") for t in tables]
    note = ("accuracy ↑ (generative, exact match); coherence ↓ (MAE to the Bayesian posterior); "
            "TF/neg/and/or ↓ (logical coherence MAE)")
    if paper:
        note += "; paper: Hase et al. 2024 Tables 4/5, mistral-83m + LoRA, 5000 cases"
    return "\n\n".join(parts) + "\n" + note


def render_counterfact(table: CounterfactTable, time: Runtime, *, fmt: str = "table") -> str:
    """The CounterFact group (ROME's Table 4 columns, in %, GE as is) and the runtime per edit."""
    rows = [[name, *(getattr(r, c) for c in SCORES)] for name, r in (("pre-edit", table.pre), ("post-edit", table.post))]
    if fmt == "json":
        return json.dumps(_no_nan({"counterfact": table.as_dict(), "runtime": time.as_dict()}), indent=2)
    if fmt == "csv":
        return render_rows(["row", *SCORES], rows, "csv")
    shown = [[name, *(percent(v) for v in vals[:-1]), _fmt(vals[-1])] for name, *vals in rows]
    text = render_rows(["", *SCORES], shown, "table", width=140,
                       title=f"CounterFact scores (n = {table.n} contradicting edits, "
                             f"{table.n_neighbour} with a distinct neighbour answer)")
    return (text + "\nS, ES/EM, PS/PM, NS/NM in % (ROME: higher is better); GE = fluency, bits.\n"
            f"Runtime per edit: mean {_secs(time.mean)}, p50 {_secs(time.p50)}, p95 {_secs(time.p95)} "
            f"over {time.n} edits ({_secs(time.total)} in all)")


# The compare table shows these (json / csv carry every column of kgedit.evaluate.compare).
COMPARE_SHOWN = (("acc_s1r1", "s1r1 acc"), ("acc_s1r2", "s1r2 acc"), ("acc_s2r1", "s2r1 acc"), ("acc_s2r2", "s2r2 acc"),
                 ("coh_s1r1", "s1r1 coh"), ("coh_s1r2", "s1r2 coh"), ("tf", "TF"), ("S", "S %"), ("ES", "ES %"),
                 ("PS", "PS %"), ("NS", "NS %"), ("GE", "GE"), ("sec_mean", "s/edit"), ("sec_p95", "p95 s"))


def render_compare(rows: list, split: str, *, fmt: str = "table") -> str:
    """Editors side by side (rows of kgedit.evaluate.compare.compare_rows), post-edit values."""
    from kgedit.evaluate.compare import COMPARE_COLUMNS, distinguishing_params

    labels = distinguishing_params(rows)
    if fmt == "json":
        return json.dumps(_no_nan([{"folder": r.folder, "editor": r.editor, "params": r.params, "split": split,
                                    "n": r.n, "post": r.values} for r in rows]), indent=2)
    if fmt == "csv":
        return render_rows(["folder", "editor", "params", "split", "n", *COMPARE_COLUMNS],
                           [[r.folder, r.editor, label, split, r.n, *(r.values[c] for c in COMPARE_COLUMNS)]
                            for r, label in zip(rows, labels)], "csv")
    shown = []
    for r, label in zip(rows, labels):
        cells = []
        for key, _ in COMPARE_SHOWN:
            v = r.values[key]
            cells.append(percent(v) if key in ("S", "ES", "PS", "NS") else (_secs(v)[:-2] if key.startswith("sec") else _fmt(v)))
        shown.append([Path(r.folder).name or r.folder, r.editor + (f" ({label})" if label else ""), r.n, *cells])
    return (render_rows(["results", "editor", "n", *(h for _, h in COMPARE_SHOWN)], shown, "table", width=180,
                        title=f"Post-edit, {SPLIT_TITLES[split].lower()}; CounterFact over contradicting edits")
            + "\naccuracy ↑, coherence ↓ (MAE to the Bayesian posterior), S/ES/PS/NS ↑ (%), GE fluency ↑, seconds per edit")


def render_sequential(result: dict[str, Any], *, fmt: str = "table") -> str:
    """The degradation curve of a sequential run (kgedit.evaluate.sequential) as a table."""
    from kgedit.evaluate.sequential import POINT_COLUMNS

    points = result["points"]
    if fmt == "json":
        return json.dumps(_no_nan(result), indent=2, sort_keys=True)
    if fmt == "csv":
        return render_rows(list(POINT_COLUMNS), [[p[c] for c in POINT_COLUMNS] for p in points], "csv")
    headers = ["edits", "held-out facts", "T/F", "not", "and", "or", "edits retained", "edit time"]
    rows = [[p["n_edits"], *(_fmt(p[c]) for c in POINT_COLUMNS[1:7]), f"{p['edit_seconds']:.1f} s"] for p in points]
    time, held = result["runtime_per_edit"], result["heldout"]
    return (render_rows(headers, rows, "table", width=140,
                        title=f"Sequential {result['config']['editor']} edits without reset (accuracy)")
            + f"\nheld-out: {held['facts']} corpus facts, {sum(held['sentences'].values())} T/F sentences; "
              f"runtime per edit: mean {_secs(time['mean'])}, p50 {_secs(time['p50'])}, p95 {_secs(time['p95'])}")


def percent(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}"


def _secs(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f} s"


def _no_nan(value: Any) -> Any:
    """NaN (an empty split's score) becomes null: results.json stays strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value
