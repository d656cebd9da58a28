"""Writing and printing an evaluation's results: results.json, Parquet copies, the report_tables
table, and Tables 4/5 as text (optionally beside the paper's numbers)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from kgedit import db
from kgedit.evaluate.tables import COLUMNS, PAPER, SPLIT_TITLES, SplitTable, compute_tables
from kgedit.report.render import render_rows

RESULT_TABLES = ("eval_info", "eval_cases", "eval_case_probes", "eval_logical_probes", "eval_candidates",
                 "eval_objects", "eval_subjects", "generations", "probe_scores", "logical_scores", "edits", "report_tables")
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


def _no_nan(value: Any) -> Any:
    """NaN (an empty split's score) becomes null: results.json stays strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def write_outputs(out: Path, timings: dict[str, float]) -> dict[str, Any]:
    """report_tables in the results database, Parquet copies of every table, and results.json."""
    out = Path(out)
    con = db.connect(out / "results.duckdb")
    try:
        tables = compute_tables(con)
        norm = compute_tables(con, prob="norm")
        with db.transaction(con):
            con.execute("CREATE OR REPLACE TABLE report_tables (split VARCHAR, n INTEGER, row VARCHAR, "
                        + ", ".join(f'"{c}" DOUBLE' for c in COLUMNS) + ")")
            con.execute("COMMENT ON TABLE report_tables IS 'Tables 4/5 (exact match, raw p_LM, weight n'''')"
                        ": one row per split and pre/post/delta.'")
            for t in tables:
                for name, vals in (("pre", t.pre), ("post", t.post), ("delta", t.delta)):
                    con.execute(f"INSERT INTO report_tables VALUES ({', '.join(['?'] * (3 + len(COLUMNS)))})",
                                [t.split, t.n, name, *(vals[c] for c in COLUMNS)])
        parquet = out / "parquet"
        parquet.mkdir(exist_ok=True)
        for name in RESULT_TABLES:
            con.execute(f"COPY (SELECT * FROM {name}) TO '{(parquet / (name + '.parquet')).as_posix()}' (FORMAT parquet)")
        config = json.loads(db.fetch(con, "SELECT config FROM eval_info")[1][0][0])
        _, edit_stats = db.fetch(con, "SELECT count(*), sum(seconds), avg(seconds), median(seconds) FROM edits")
        n_cases = db.fetch(con, "SELECT count(*) FROM eval_cases")[1][0][0]
    finally:
        con.close()
    count, total, mean, median = edit_stats[0]
    result = {
        "config": config,
        "seeds": {"cases": config["cases_info"]["seed"], "evaluate": config["seed"]},
        "n_cases": n_cases, "n_done": count,
        "timings": {**timings, "edit_seconds_total": total, "edit_seconds_mean": mean, "edit_seconds_median": median},
        "tables": [t.as_dict() for t in tables],
        "tables_p_norm": [t.as_dict() for t in norm],
        "options": {"match": "exact", "prob": "raw (tables) and norm (tables_p_norm)", "weight": "n_prime"},
    }
    (out / "results.json").write_text(json.dumps(_no_nan(result), indent=2, sort_keys=True, default=str),
                                      encoding="utf-8")
    return result
