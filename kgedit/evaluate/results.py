"""An evaluation's results folder (SPEC §6, §9): results.duckdb, created with the evaluated cases copied
in and fingerprinted, reopened only by the same evaluation, written one measurement at a time,
finished with report_tables, Parquet copies of every table and results.json, and read back for reports.

A case's post-edit rows and its edit row are written in one transaction (a case is done when its edit
row is there), so an interrupted run keeps every finished case for the rerun. The fingerprint covers
what the results depend on, never paths: a moved world or checkpoint is still the same evaluation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.evaluate.counterfact import CounterfactTable, Runtime, counterfact_table, runtime
from kgedit.evaluate.measure import Measurement
from kgedit.evaluate.tables import COLUMNS, UNEDITED, SplitTable, compute_tables
from kgedit.report.render import to_json

RESULTS_DB = "results.duckdb"
RESULT_TABLES = ("eval_info", "eval_cases", "eval_case_probes", "eval_logical_probes", "eval_candidates",
                 "eval_objects", "eval_subjects", "generations", "probe_scores", "logical_scores", "edits", "report_tables")


def fingerprint(value: Any) -> str:
    """16 hex digits that change with `value` (JSON data; other values count by their str()), not with
    the order of its keys."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def model_identity(model_dir: Path) -> dict[str, Any]:
    """A model folder as a fingerprint sees it: a hash of the weights, with the preset and training progress
    of a kgedit checkpoint or the model_type of any other model folder."""
    from kgedit.lm import checkpoint as ckpt
    from kgedit.lm.model_folder import read_model_config

    if ckpt.is_checkpoint(model_dir):
        kcfg = ckpt.read_config(model_dir)
        identity = {"preset": kcfg.preset.get("name"), "step": kcfg.step, "tokens_seen": kcfg.tokens_seen}
    else:
        identity = {"model_type": read_model_config(model_dir).get("model_type")}
    digest = hashlib.sha256()
    for name in sorted(p.name for p in model_dir.glob("*.safetensors")):
        with open(model_dir / name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return {**identity, "weights_sha256": digest.hexdigest()}


def results_path(out: Path) -> Path:
    return Path(out) / RESULTS_DB


def open_results(out: Path, *, read_only: bool = True) -> db.Connection:
    path = results_path(out)
    if not path.is_file():
        raise KgeditError(f"No evaluation results in {out} (no {RESULTS_DB}).",
                          "Run one first: kgedit evaluate --model ckpt/ --db world.duckdb --out " + str(out))
    return db.connect(path, read_only=read_only)


@contextlib.contextmanager
def writing_results(out: Path, world_db: Path, n: int, determining: dict[str, Any],
            details: dict[str, Any]) -> Iterator[db.Connection]:
    """The results database of the evaluation that `determining` fingerprints, open for writing: created
    with the first `n` cases of `world_db` (and `details` recorded beside `determining`), or reopened when
    it holds that evaluation; one of another evaluation is refused. When this call created it and the body
    fails with an error, it goes unless a case finished, and so do the folders the call created; an
    interrupt keeps everything for the rerun."""
    out, key = Path(out), fingerprint(determining)
    path, new_folder = results_path(out), _first_missing(out)
    created = not path.is_file()
    if created:
        _create(out, world_db, n, {**determining, **details}, key, new_folder)
    con = db.connect(path)
    if not created and db.fetch(con, "SELECT fingerprint FROM eval_info")[1] != [(key,)]:
        con.close()
        raise KgeditError(f"{out} holds results of a different evaluation (the model, the cases, their number, "
                          "the editor or its parameters differ).",
                          "Choose another --out, or delete that folder to start over.")
    try:
        yield con
    except Exception:
        con.close()
        if created:
            _discard_unfinished(out, new_folder)
        raise
    finally:
        con.close()


def _create(out: Path, world_db: Path, n: int, config: dict[str, Any], key: str, new_folder: Path | None) -> None:
    """A new results database with the cases copied in, built atomically."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with db.building(results_path(out), overwrite=False) as con:
            con.execute("ATTACH ? AS world (READ_ONLY)", [str(world_db)])
            db.execute_script(con, "results")
            for stmt in _statements("results_copy_cases"):
                con.execute(stmt, {"n": n} if "$n" in stmt else None)
            con.execute("INSERT INTO eval_info VALUES (?, ?, ?)",
                        [json.dumps(config, sort_keys=True), key, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])
            con.execute("DETACH world")
    except OSError as exc:
        _discard_unfinished(out, new_folder)
        raise KgeditError(f"Cannot create the results in {out}: {exc.strerror or exc}.",
                          "Choose a folder you can write to.") from None
    except BaseException:
        _discard_unfinished(out, new_folder)
        raise


def _statements(name: str) -> list[str]:
    body = "\n".join(line for line in db.load_sql(name).splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _first_missing(out: Path) -> Path | None:
    """The outermost folder of `out` that does not exist yet (what this run would create), or None."""
    top, folder = None, Path(out).absolute()
    while not folder.exists():
        top, folder = folder, folder.parent
    return top


def _discard_unfinished(out: Path, new_folder: Path | None) -> None:
    """After a run that created the results database failed: remove that database unless a case
    finished (that is worth resuming), then the folders this run created, if they are empty. Nothing
    that existed before the run is touched."""
    path = results_path(out)
    if path.is_file():
        try:
            con = db.connect(path, read_only=True)
            try:
                finished = db.fetch(con, "SELECT count(*) FROM edits")[1][0][0]
            finally:
                con.close()
        except Exception:      # unreadable: nothing in it can be resumed
            finished = 0
        if finished:
            return
        path.unlink()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    folder = Path(out).absolute()
    while new_folder is not None and folder.is_relative_to(new_folder):
        try:
            folder.rmdir()     # only empty folders go
        except OSError:
            return
        folder = folder.parent


def finished_cases(con: db.Connection) -> set[int]:
    """The cases whose edit and post-edit rows are written."""
    return {r[0] for r in db.fetch(con, "SELECT case_id FROM edits")[1]}


def pre_edit_cases(con: db.Connection) -> set[int]:
    """The cases whose pre-edit rows are written."""
    return {r[0] for r in db.fetch(con, "SELECT DISTINCT case_id FROM generations WHERE phase = 'pre'")[1]}


def write_measurement(con: db.Connection, m: Measurement, edit_rows: Sequence[tuple] = ()) -> None:
    """Insert one measurement (and its cases' edit rows) in one transaction."""
    import pyarrow as pa

    tables = {
        "generations": (m.generations, ["case_id", "phase", "probe", "generation"]),
        "probe_scores": (m.probe_scores, ["case_id", "phase", "probe", "role", "object_id", "logp", "p_norm"]),
        "logical_scores": (m.logical_scores, ["case_id", "phase", "kind", "t_lm"]),
    }
    with db.transaction(con):
        for table, (rows, columns) in tables.items():
            if not rows:
                continue
            arrow = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
            con.register("_rows", arrow)
            try:
                con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM _rows")
            finally:
                con.unregister("_rows")
        for row in edit_rows:
            con.execute("INSERT INTO edits VALUES (?, ?, ?, ?)", list(row))


def finish_results(out: Path, timings: dict[str, float]) -> None:
    """report_tables in the results database, Parquet copies of every table, and results.json."""
    out = Path(out)
    con = db.connect(results_path(out))
    try:
        tables, norm = compute_tables(con), compute_tables(con, prob="norm")
        cf, time = counterfact_table(con), runtime(con)
        _write_report_tables(con, tables)
        parquet = out / "parquet"
        parquet.mkdir(exist_ok=True)
        for name in RESULT_TABLES:
            con.execute(db.load_sql("results_export_parquet"),
                        {"table": name, "path": (parquet / (name + ".parquet")).as_posix()})
        config = _config(con)
        n_cases = db.fetch(con, "SELECT count(*) FROM eval_cases")[1][0][0]
    finally:
        con.close()
    result = {
        "config": config,
        "seeds": {"cases": config["cases_info"]["seed"], "evaluate": config["seed"]},
        "n_cases": n_cases, "n_done": time.n,
        "timings": timings,
        "runtime_per_edit": time.as_dict(),
        "tables": [t.as_dict() for t in tables],
        "counterfact": cf.as_dict(),
        "tables_p_norm": [t.as_dict() for t in norm],
        "options": {"match": "exact", "prob": "raw (tables) and norm (tables_p_norm)", "weight": "n_prime"},
    }
    (out / "results.json").write_text(to_json(result, sort_keys=True, ensure_ascii=True), encoding="utf-8")


def _write_report_tables(con: db.Connection, tables: list[SplitTable]) -> None:
    rows = [[t.split, t.n, name, *(vals[c] for c in COLUMNS)]
            for t in tables for name, vals in (("pre", t.pre), ("post", t.post), ("delta", t.delta),
                                               (UNEDITED, t.unedited))]
    with db.transaction(con):
        db.execute_script(con, "results_report_tables")
        con.executemany(f"INSERT INTO report_tables VALUES ({', '.join('?' * (3 + len(COLUMNS)))})", rows)


def _config(con: db.Connection) -> dict[str, Any]:
    return json.loads(db.fetch(con, "SELECT config FROM eval_info")[1][0][0])


@dataclass(frozen=True)
class Results:
    """What the reports show of one results folder."""
    config: dict[str, Any]
    tables: list[SplitTable]          # Tables 4/5, one per split
    counterfact: CounterfactTable
    runtime: Runtime


def read_results(out: Path, *, match: str = "exact", prob: str = "raw", weight: str = "n_prime") -> Results:
    """Tables 4/5 (in the given variant), the CounterFact scores and the runtime per edit of `out`."""
    con = open_results(out)
    try:
        tables = compute_tables(con, match=match, prob=prob, weight=weight)
        return Results(_config(con), tables, counterfact_table(con), runtime(con))
    finally:
        con.close()
