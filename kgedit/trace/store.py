"""A trace's folder: trace.duckdb (sql/trace.sql), Parquet copies of its tables and the heatmaps
(trace_average.png, trace_example_<prompt_id>.png), all drawn from the database, so a rerun of the same
trace redraws them without tracing again.

The folder is the trace's own: an existing folder is used only when it is empty or holds a trace of the
same configuration (fingerprint); a folder with anything else in it, or another trace, is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.progress import Progress
from kgedit.trace.config import TraceConfig
from kgedit.trace.grid import TOKEN_CLASSES

if TYPE_CHECKING:
    from kgedit.trace.run import TraceResult

TRACE_DB = "trace.duckdb"
TABLES = ("trace_info", "trace_prompts", "trace_tokens", "trace_cells", "trace_average")
AVERAGE_PNG = "trace_average.png"
SUBJECT_CLASSES = ("first subject token", "middle subject tokens", "last subject token")


def stored_fingerprint(out: Path) -> str | None:
    """The fingerprint of the trace in `out`, None when `out` is new or empty; an error when `out` is a
    file or holds something else."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise KgeditError(f"--out {out} is a file, not a folder.", "Choose a folder for the trace.")
    if (out / TRACE_DB).is_file():
        con = db.connect(out / TRACE_DB, read_only=True)
        try:
            return db.fetch(con, "SELECT fingerprint FROM trace_info")[1][0][0]
        finally:
            con.close()
    if out.exists() and any(out.iterdir()):
        raise KgeditError(f"{out} is not empty and holds no trace ({TRACE_DB}); the trace would write among "
                          "files that are not its own.", "Choose a new or empty folder for --out.")
    return None


def write_trace(out: Path, result: TraceResult, info: dict[str, Any]) -> None:
    """trace.duckdb from a kgedit.trace.run.TraceResult; `info` = {config, fingerprint} of trace_info."""
    import pyarrow as pa

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = result.plan
    prompts, tokens, cells = [], [], []
    for i, p in enumerate(result.prompts):
        c = p.candidate
        traced = [p.p_clean, p.p_corrupt, p.p_clean - p.p_corrupt] if p.correct else [None] * 3
        prompts.append([i, c.source, c.source_id, c.subject, c.prompt, c.object, p.answer, p.correct, *traced])
        if not p.correct:
            continue
        tokens += [[i, t, text, list(cls)] for t, (text, cls) in enumerate(zip(p.tokens, p.classes))]
        for kind, grid in p.restored.items():
            cells += [[i, kind, t, l, float(grid[t, l]), float(grid[t, l] - p.p_corrupt)]
                      for t in range(grid.shape[0]) for l in range(grid.shape[1])]
    average = [[kind, name, l, float(values[k, l]), int(result.class_counts[k])]
               for kind, values in result.average.items() for k, name in enumerate(TOKEN_CLASSES) for l in range(values.shape[1])]
    with db.building(out / TRACE_DB, overwrite=False) as con:
        db.execute_script(con, "trace")
        con.execute("INSERT INTO trace_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [json.dumps(info["config"], sort_keys=True, default=str), info["fingerprint"], plan.sigma,
                     plan.window, plan.n_layers, result.layer, result.avg_total_effect, result.cells_per_second,
                     result.seconds])
        for table, rows in (("trace_prompts", prompts), ("trace_tokens", tokens), ("trace_cells", cells),
                            ("trace_average", average)):
            if rows:
                columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
                con.register("_rows", pa.table({c: [r[j] for r in rows] for j, c in enumerate(columns)}))
                try:
                    con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
                finally:
                    con.unregister("_rows")


def finish_trace(out: Path, examples: int) -> dict[str, Any]:
    """Parquet copies, the averaged heatmap and the first `examples` traced prompts' heatmaps; returns
    the summary the CLI prints (read_summary)."""
    out = Path(out)
    parquet = out / "parquet"
    parquet.mkdir(exist_ok=True)
    con = db.connect(out / TRACE_DB, read_only=True)
    try:
        for name in TABLES:
            con.execute(db.load_sql("results_export_parquet"), {"table": name, "path": (parquet / f"{name}.parquet").as_posix()})
    finally:
        con.close()
    summary = read_summary(out)
    _draw(out, summary, examples)
    return summary


def read_summary(out: Path) -> dict[str, Any]:
    """trace_info, prompt counts and the averaged indirect effects ({kind: {class: [per layer]}})."""
    con = db.connect(Path(out) / TRACE_DB, read_only=True)
    try:
        cols, rows = db.fetch(con, "SELECT * FROM trace_info")
        info = dict(zip(cols, rows[0]))
        info["config"] = json.loads(info["config"])
        n, traced = db.fetch(con, "SELECT count(*), count(*) FILTER (correct) FROM trace_prompts")[1][0]
        average: dict[str, dict[str, list[float]]] = {}
        counts: dict[str, int] = {}
        for kind, name, _, value, n_prompts in db.fetch(con, "SELECT * FROM trace_average ORDER BY layer")[1]:
            average.setdefault(kind, {c: [] for c in TOKEN_CLASSES})[name].append(value)
            counts[name] = n_prompts
    finally:
        con.close()
    return {**info, "n_candidates": n, "n_traced": traced, "n_skipped": n - traced, "average": average,
            "class_counts": counts}


def _draw(out: Path, summary: dict[str, Any], examples: int) -> None:
    import numpy as np

    from kgedit.report.plots import plot_trace

    classes = [c for c in TOKEN_CLASSES if summary["class_counts"].get(c)]
    kinds = [k for k in ("hidden", "mlp", "attn") if k in summary["average"]]
    plot_trace({k: np.array([summary["average"][k][c] for c in classes]) for k in kinds}, classes,
               "average indirect effect",
               f"Average indirect effect of restoring each state ({summary['n_traced']} prompts, window "
               f"{summary['window_layers']})", out / AVERAGE_PNG)
    con = db.connect(out / TRACE_DB, read_only=True)
    try:
        chosen = db.fetch(con, "SELECT prompt_id, prompt, object, p_clean, p_corrupt FROM trace_prompts WHERE correct "
                               "ORDER BY prompt_id LIMIT ?", [examples])[1]
        for pid, prompt, obj, p_clean, p_corrupt in chosen:
            tokens = db.fetch(con, "SELECT text, list_has_any(classes, ?) FROM trace_tokens WHERE prompt_id = ? "
                                   "ORDER BY token", [list(SUBJECT_CLASSES), pid])[1]
            panels = {}
            for kind in kinds:
                values = db.fetch(con, "SELECT p_restored FROM trace_cells WHERE prompt_id = ? AND kind = ? "
                                       "ORDER BY token, layer", [pid, kind])[1]
                panels[kind] = np.array([v for (v,) in values]).reshape(len(tokens), summary["n_layers"])
            labels = [repr(text) + ("*" if subject else "") for text, subject in tokens]
            plot_trace(panels, labels, f"p({obj})",
                       f"{prompt} → {obj}: p clean {p_clean:.3f}, corrupted {p_corrupt:.3f} (* subject)",
                       out / f"trace_example_{pid}.png")
    finally:
        con.close()


def trace_checkpoint(config: TraceConfig, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """`kgedit trace`: trace the checkpoint config.model on config.world_db into the folder `out` (or, when
    `out` holds this very trace, redraw its files), store the edit site in the checkpoint's cache, and
    return the summary (read_summary)."""
    from dataclasses import asdict

    from kgedit.evaluate.results import fingerprint
    from kgedit.lm.model_folder import load_model_folder
    from kgedit.trace.run import plan_trace, run_trace
    from kgedit.trace.site import site_key, site_of, store_site

    config.check()
    out, world = Path(out), Path(config.world_db)
    stored = stored_fingerprint(out)
    if not world.is_file():
        raise KgeditError(f"No database at {world}.", "Build the world and its corpus first (see README).")
    model, tok = load_model_folder(config.model, config.device)
    plan = plan_trace(model, tok, world, config)
    key = site_key(model, plan, config)
    trace_key = fingerprint({"site": key, "kinds": plan.kinds})
    if stored is not None and stored != trace_key:
        raise KgeditError(f"{out} holds a trace of another configuration (model, facts or options differ).",
                          "Choose another --out, or delete that folder to start over.")
    if stored is None:
        result = run_trace(model, tok, plan, config, progress)
        if result.layer is not None:
            store_site(model, key, site_of(result))
        write_trace(out, result, {"config": {"options": asdict(config), "kinds": plan.kinds, "site_key": key},
                                  "fingerprint": trace_key})
    return finish_trace(out, config.examples)
