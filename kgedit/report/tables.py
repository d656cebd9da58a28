"""Evaluation results as text: Tables 4/5 (optionally beside the paper's numbers), the CounterFact
scores with the runtime per edit, editors compared, and the degradation curve of a sequential run.

render_results is the one way a results folder is read and printed (kgedit evaluate, kgedit report,
kgedit run); headers and directions come from kgedit.report.columns.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kgedit.errors import KgeditError
from kgedit.evaluate.compare import COMPARE_COLUMNS, CompareRow, distinguishing_params
from kgedit.evaluate.counterfact import SCORES, CounterfactTable, Runtime
from kgedit.evaluate.results import read_results
from kgedit.evaluate.sequential import POINT_COLUMNS
from kgedit.evaluate.tables import (ACC_COLUMNS, BOOTSTRAP_RESAMPLES, COH_COLUMNS, COLUMNS, LOGIC_COLUMNS, PAPER,
                                    SPLIT_TITLES, UNEDITED, SplitTable)
from kgedit.report.columns import METRICS, arrow, better, headers
from kgedit.report.render import render_rows, to_json

HEADERS = tuple(headers(COLUMNS))
SPLIT_SHORT = {"all_edit_requests": "all", "downstream_answer_changes": "downstream"}
# The compare table shows these (json / csv carry every column of kgedit.evaluate.compare).
COMPARE_SHOWN = ("acc_s1r1", "acc_s1r2", "acc_s2r1", "acc_s2r2", "coh_s1r1", "coh_s1r2", "tf", "S", "ES", "PS", "NS",
                 "GE", "sec_mean", "sec_p95")


def render_results(folder: Path, *, match: str = "exact", prob: str = "raw", weight: str = "n_prime",
                   paper: bool = False, fmt: str = "table", counterfact: bool = True) -> str:
    """Tables 4/5 of a results folder (in the given variant), then, unless `counterfact` is False, the
    CounterFact group and the runtime per edit. fmt csv: the tables only."""
    r = read_results(folder, match=match, prob=prob, weight=weight)
    if fmt == "json":
        data: dict[str, Any] = {"tables": [t.as_dict() for t in r.tables]}
        if counterfact:
            data |= {"counterfact": r.counterfact.as_dict(), "runtime": r.runtime.as_dict()}
        return to_json(data, ensure_ascii=True)
    if fmt == "csv":
        return render_tables(r.tables, fmt="csv")
    text = render_tables(r.tables, paper=paper)
    return text + "\n\n" + render_counterfact(r.counterfact, r.runtime) if counterfact else text


def table_rows(table: SplitTable, paper: bool) -> list[list[str]]:
    """Each cell: the value, and below it its 95% bootstrap interval when the table has one."""
    rows = [[label, *(_with_interval(values[c], table.ci.get(row, {}).get(c), signed=row == "delta") for c in COLUMNS)]
            for label, row, values in _rows(table)]
    if paper and table.split in PAPER:
        pre, post = PAPER[table.split]["pre"], PAPER[table.split]["post"]
        rows += [["paper pre", *(_fmt(v) for v in pre)], ["paper post", *(_fmt(v) for v in post)],
                 ["paper Δ", *(_fmt(b - a, signed=True) for a, b in zip(pre, post))]]
    return rows


def _rows(table: SplitTable) -> list[tuple[str, str, dict[str, float]]]:
    """(label, row, values) of a table's rows: pre, post, delta and, when computed, the unedited row."""
    rows = [("pre-edit", "pre", table.pre), ("post-edit", "post", table.post), ("Δ", "delta", table.delta)]
    return rows + ([("no edit", UNEDITED, table.unedited)] if table.unedited else [])


def render_tables(tables: list[SplitTable], *, paper: bool = False, fmt: str = "table") -> str:
    """Tables 4/5 as rich tables with a note on the columns (fmt table), or as CSV."""
    if fmt == "csv":
        nan = (math.nan, math.nan)
        rows = [[t.split, t.n, name, *(vals[c] for c in COLUMNS),
                 *(b for c in COLUMNS for b in t.ci.get(name, {}).get(c, nan))]
                for t in tables for _, name, vals in _rows(t)]
        bounds = [f"{c}_{end}" for c in COLUMNS for end in ("ci_low", "ci_high")]
        return render_rows(["split", "n", "row", *COLUMNS, *bounds], rows, "csv")
    parts = [render_rows(["", *HEADERS], table_rows(t, paper), "table", width=180,
                         title=f"{SPLIT_TITLES[t.split]} (n = {t.n})") for t in tables]
    note = (f"accuracy {arrow(ACC_COLUMNS)} (generative, exact match); coherence {arrow(COH_COLUMNS)} (MAE to the "
            f"Bayesian posterior); {'/'.join(headers(LOGIC_COLUMNS))} {arrow(LOGIC_COLUMNS)} (logical coherence MAE); "
            f"[low, high]: 95% bootstrap interval ({BOOTSTRAP_RESAMPLES} resamples of the split's cases)")
    if any(t.unedited for t in tables):
        note += ("; no edit: the model before the edit against the post-edit targets (what an edit that changes "
                 "nothing scores: the neighbours' targets are Bayesian modes, not the pre row's ground truth)")
    if paper:
        note += "; paper: Hase et al. 2024 Tables 4/5, mistral-83m + LoRA, 5000 cases"
    return "\n\n".join(parts) + "\n" + note


def render_counterfact(table: CounterfactTable, time: Runtime) -> str:
    """The CounterFact group (ROME's Table 4 columns, in %, GE as is) and the runtime per edit."""
    rows = [[name, *(getattr(r, c) for c in SCORES)] for name, r in (("pre-edit", table.pre), ("post-edit", table.post))]
    shown = [[name, *(percent(v) for v in vals[:-1]), _fmt(vals[-1])] for name, *vals in rows]
    text = render_rows(["", *SCORES], shown, "table", width=140,
                       title=f"CounterFact scores (n = {table.n} contradicting edits, "
                             f"{table.n_neighbour} with a distinct neighbour answer)")
    return (text + f"\nS, ES/EM, PS/PM, NS/NM in % (ROME: {better(SCORES[:-1])}); GE = fluency, bits.\n"
            f"Runtime per edit: mean {_secs(time.mean)}, p50 {_secs(time.p50)}, p95 {_secs(time.p95)} "
            f"over {time.n} edits ({_secs(time.total)} in all)")


def render_compare(rows: list[CompareRow], split: str, *, fmt: str = "table") -> str:
    """Editors side by side (rows of kgedit.evaluate.compare.compare_rows), post-edit values."""
    labels = distinguishing_params(rows)
    if fmt == "json":
        return to_json([{"folder": r.folder, "editor": r.editor, "params": r.params, "split": split,
                         "n": r.n, "post": r.values} for r in rows], ensure_ascii=True)
    if fmt == "csv":
        return render_rows(["folder", "editor", "params", "split", "n", *COMPARE_COLUMNS],
                           [[r.folder, r.editor, label, split, r.n, *(r.values[c] for c in COMPARE_COLUMNS)]
                            for r, label in zip(rows, labels)], "csv")
    shown = [[Path(r.folder).name or r.folder, r.editor + (f" ({label})" if label else ""), r.n,
              *(_cell(key, r.values[key]) for key in COMPARE_SHOWN)] for r, label in zip(rows, labels)]
    note = (f"accuracy {arrow(ACC_COLUMNS)}, coherence {arrow(COH_COLUMNS)} (MAE to the Bayesian posterior), "
            f"S/ES/PS/NS {arrow(('S', 'ES', 'PS', 'NS'))} (%), GE fluency {arrow(('GE',))}, seconds per edit")
    return (render_rows(["results", "editor", "n", *(METRICS[k].shown_header for k in COMPARE_SHOWN)], shown, "table",
                        width=180, title=f"Post-edit, {SPLIT_TITLES[split].lower()}; CounterFact over contradicting edits")
            + "\n" + note)


def _cell(key: str, value: float) -> str:
    unit = METRICS[key].unit
    return percent(value) if unit == "%" else (_secs(value)[:-2] if unit == "s" else _fmt(value))


def render_sequential(result: dict[str, Any], *, fmt: str = "table") -> str:
    """The degradation curve of a sequential run (kgedit.evaluate.sequential) as a table."""
    points = result["points"]
    if fmt == "json":
        return to_json(result, sort_keys=True, ensure_ascii=True)
    if fmt == "csv":
        return render_rows(list(POINT_COLUMNS), [[p[c] for c in POINT_COLUMNS] for p in points], "csv")
    columns = ["edits", "held-out facts", "T/F", "not", "and", "or", "edits retained", "edit time"]
    rows = [[p["n_edits"], *(_fmt(p[c]) for c in POINT_COLUMNS[1:7]), f"{p['edit_seconds']:.1f} s"] for p in points]
    time, held = result["runtime_per_edit"], result["heldout"]
    return (render_rows(columns, rows, "table", width=140,
                        title=f"Sequential {result['config']['editor']} edits without reset (accuracy)")
            + f"\nheld-out: {held['facts']} corpus facts, {sum(held['sentences'].values())} T/F sentences; "
              f"runtime per edit: mean {_secs(time['mean'])}, p50 {_secs(time['p50'])}, p95 {_secs(time['p95'])}")


def percent(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f}"


def _with_interval(value: float, interval: tuple[float, float] | None, signed: bool = False) -> str:
    if interval is None or any(math.isnan(v) for v in interval):
        return _fmt(value, signed)
    low, high = (_fmt(v, signed).replace("0.", ".", 1) for v in interval)
    return f"{_fmt(value, signed)}\n[{low},{high}]"


def _fmt(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _secs(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f} s"


def render_tune(result: dict[str, Any], *, fmt: str = "table") -> str:
    """A tuning run (kgedit.tune.run): its trials, the chosen setting, and the held-out Tables 4/5 cells
    of every evaluation seed and editor with their 95% bootstrap intervals."""
    if fmt == "json":
        return to_json(result, sort_keys=True, ensure_ascii=True)
    if fmt == "csv":
        raise KgeditError("kgedit tune writes a table or json.", "Use --format json for every number.")
    trials = result["trials"]
    searched = sorted({k for t in trials for k in t["params"]})
    rows = [[t["number"], *(_param(t["params"][k]) for k in searched), _fmt(t["goal"]), _fmt(t["neighbour_drop"]),
             "yes" if t["feasible"] else "no"] for t in trials]
    chosen = result["chosen"]
    parts = [render_rows(["trial", *searched, "s1r2 acc (ds)", "s2 drop vs no edit", "feasible"], rows, "table", width=180,
                         title=f"Trials on {result['config']['tune_cases']} cases of seed {result['seeds']['tuned']}"),
             f"chosen: trial {chosen['trial']}" + ("" if chosen["feasible"] else
                                                   " (no trial met every constraint: the closest one)")
             + f"; goal: {' '.join(result['goal']['maximised'])} subject to {', '.join(result['goal']['constraints'])}"]
    for seed, editors in result["held_out"].items():
        rows = []
        for split in SPLIT_SHORT:
            for k, (editor, run) in enumerate(editors.items()):
                t = _split_table(next(d for d in run["tables"] if d["split"] == split))
                pre, post, delta = table_rows(t, False)
                rows += [[label, SPLIT_SHORT[split], t.n, *cells[1:]]
                         for label, cells in (("pre-edit", pre), (f"{editor} post", post), (f"{editor} Δ", delta))
                         if k == 0 or label != "pre-edit"]
        parts.append(render_rows(["", "split", "n", *HEADERS], rows, "table", width=200,
                                 title=f"Held-out cases of seed {seed} (edited subjects disjoint from the tuning cases; "
                                       "all: all edit requests, downstream: downstream answer changes)"))
    return "\n\n".join(parts)


def _split_table(d: dict[str, Any]) -> SplitTable:
    """A SplitTable back from its as_dict() form."""
    return SplitTable(d["split"], d["n"], d["pre"], d["post"],
                      {row: {c: tuple(v) for c, v in cols.items()} for row, cols in d["ci95"].items()},
                      d.get("unedited", {}))


def _param(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
