"""`kgedit evaluate`: pre-edit beliefs for every case (batched), then per case edit -> post-edit beliefs
-> exact reset, with every result row in results/results.duckdb (SPEC §6, §8, §9).

Resumable by construction: the cases and targets are copied into the results database when it is
created; pre-edit rows are written per fixed chunk of case ids, and a case's post-edit rows and its
edit row are written in one transaction, so an interrupted run keeps every finished case and a rerun
of the same command does only what is missing. A rerun with another model, world, editor or editor
parameters is refused (fingerprint), never mixed into the old results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.evaluate.cases import Case, CaseSet, load_case_set
from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.measure import Measurement, Measurer
from kgedit.progress import Progress

RESULTS_DB = "results.duckdb"
CASE_TABLES = ("cases", "case_probes", "case_logical_probes", "cases_info")
PRE_CHUNK = 64          # pre-edit rows are computed and written per block of 64 case ids


@dataclass
class EvalSummary:
    out: Path
    n_cases: int
    n_done: int
    resumed_cases: int
    pre_seconds: float
    edit_seconds: float
    wall_seconds: float
    parallel_edits: int = 1
    post_seconds: float = 0.0        # the edit -> post-edit beliefs -> reset loop, writing included


def edit_seed(seed: int, case_id: int) -> int:
    """The editor's seed for one case: independent of which other cases run, or in which order."""
    return int(np.random.SeedSequence([seed, case_id]).generate_state(1)[0])


def results_path(out: Path) -> Path:
    return Path(out) / RESULTS_DB


def open_results(out: Path, *, read_only: bool = True) -> db.Connection:
    path = results_path(out)
    if not path.is_file():
        raise KgeditError(f"No evaluation results in {out} (no {RESULTS_DB}).",
                          "Run one first: kgedit evaluate --model ckpt/ --db world.duckdb --out " + str(out))
    return db.connect(path, read_only=read_only)


def _statements(name: str) -> list[str]:
    body = "\n".join(line for line in db.load_sql(name).splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _create_results(path: Path, world_db: Path, n: int, config: dict[str, Any], fingerprint: str) -> None:
    """A new results database with the cases copied in, built atomically."""
    with db.building(path, overwrite=False) as con:
        con.execute("ATTACH ? AS world (READ_ONLY)", [str(world_db)])
        db.execute_script(con, "results")
        for stmt in _statements("results_copy_cases"):
            con.execute(stmt, {"n": n} if "$n" in stmt else None)
        con.execute("INSERT INTO eval_info VALUES (?, ?, ?)",
                    [json.dumps(config, sort_keys=True), fingerprint, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])
        con.execute("DETACH world")


def _world_cases(world_db: Path, requested: int | None) -> tuple[int, dict[str, Any]]:
    if not world_db.is_file():
        raise KgeditError(f"No database at {world_db}.", "Build the world, corpus and cases first (see README).")
    con = db.connect(world_db, read_only=True)
    try:
        db.require_tables(con, CASE_TABLES, "benchmark cases", f"kgedit cases generate --db {world_db}")
        cols, rows = db.fetch(con, "SELECT parameters, seed, n_cases, target, weight, kgedit_version FROM cases_info")
    finally:
        con.close()
    info = dict(zip(cols, rows[0]))
    available = int(info["n_cases"])
    if requested is not None and requested > available:
        raise KgeditError(f"--cases {requested} asks for more cases than {world_db} has ({available}).",
                          f"Use --cases {available} or fewer, or generate more: kgedit cases generate --n {requested} --overwrite")
    return (requested or available), info


def _model_identity(model_dir: Path) -> dict[str, Any]:
    from kgedit.lm import checkpoint as ckpt

    kcfg = ckpt.read_config(model_dir)
    digest = hashlib.sha256()
    for name in sorted(p.name for p in model_dir.glob("*.safetensors")):
        with open(model_dir / name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return {"preset": kcfg.preset.get("name"), "step": kcfg.step,
            "tokens_seen": kcfg.tokens_seen, "weights_sha256": digest.hexdigest()}


def _done_ids(con: db.Connection, sql: str) -> set[int]:
    return {r[0] for r in db.fetch(con, sql)[1]}


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


def evaluate(config: EvalConfig, out: Path, *, measurer_factory: Callable[[Any, Any, CaseSet], Measurer] | None = None,
             model_loader: Callable[[], tuple[Any, Any, dict[str, Any]]] | None = None,
             editor_factory: Callable[[Any, Any], Any] | None = None,
             progress: Progress | None = None) -> EvalSummary:
    """Run (or continue) an evaluation into `out`. The factories replace the LM, its measurer and the
    editor (tests use an oracle that answers from the Bayesian model)."""
    from kgedit.editors import make_editor

    config.check(editor=editor_factory is None)
    start = time.perf_counter()
    out, world_db = Path(out), Path(config.world_db)
    if out.exists() and not out.is_dir():
        raise KgeditError(f"--out {out} is a file, not a folder.", "Choose a folder for the results.")
    n, cases_info = _world_cases(world_db, config.cases)
    if model_loader is None:
        from kgedit.lm import checkpoint as ckpt

        identity = _model_identity(Path(config.model))

        def model_loader():
            model, tok, _ = ckpt.load_checkpoint(config.model, config.device)
            return model, tok, identity
    model, tok, identity = model_loader()
    editor = editor_factory(model, tok) if editor_factory else make_editor(config.editor, model, tok, config.editor_params)
    check_parallel_edits(config.parallel_edits, editor)
    # Paths are not part of the fingerprint: a moved world or checkpoint is still the same evaluation.
    determining = {"model": identity, "cases_info": cases_info,
                   "n_cases": n, "editor": config.editor, "editor_params": asdict(editor.params)
                   if hasattr(editor.params, "__dataclass_fields__") else editor.params, "seed": config.seed}
    fingerprint = hashlib.sha256(json.dumps(determining, sort_keys=True, default=str).encode()).hexdigest()[:16]
    full_config = {**determining, "model_path": str(config.model), "world_db": str(world_db.resolve()),
                   "device": config.device, "batch_size": config.batch_size, "trace": config.trace,
                   "parallel_edits": config.parallel_edits,
                   "versions": _versions()}

    path, new_folder = results_path(out), _first_missing(out)
    created = not path.is_file()
    if not created:
        con = db.connect(path)
        stored = db.fetch(con, "SELECT fingerprint, config FROM eval_info")[1]
        if not stored or stored[0][0] != fingerprint:
            con.close()
            raise KgeditError(f"{out} holds results of a different evaluation (the model, the cases, their number, "
                              "the editor or its parameters differ).",
                              "Choose another --out, or delete that folder to start over.")
    else:
        try:
            out.mkdir(parents=True, exist_ok=True)
            _create_results(path, world_db, n, full_config, fingerprint)
        except OSError as exc:
            _discard_unfinished(out, new_folder)
            raise KgeditError(f"Cannot create the results in {out}: {exc.strerror or exc}.",
                              "Choose a folder you can write to.") from None
        except BaseException:
            _discard_unfinished(out, new_folder)
            raise
        con = db.connect(path)
    try:
        case_set = load_case_set(con)
        measurer = (measurer_factory or _lm_measurer(config.batch_size))(model, tok, case_set)
        all_ids = sorted(case_set.cases)
        resumed = len(_done_ids(con, "SELECT case_id FROM edits"))

        # 1. Pre-edit beliefs of the unedited model, in fixed chunks of case ids.
        pre_done = _done_ids(con, "SELECT DISTINCT case_id FROM generations WHERE phase = 'pre'")
        todo = [c for c in all_ids if c not in pre_done]
        t0 = time.perf_counter()
        chunks: dict[int, list[int]] = {}
        for c in todo:
            chunks.setdefault(c // PRE_CHUNK, []).append(c)
        done = len(all_ids) - len(todo)
        for _, ids in sorted(chunks.items()):
            if progress:
                progress("pre-edit beliefs", done, len(all_ids))
            write_measurement(con, measurer.measure(case_set.select(ids), "pre"))
            done += len(ids)
        pre_seconds = time.perf_counter() - t0
        if progress:
            progress("pre-edit beliefs", len(all_ids), len(all_ids))

        # 2. Per group of B cases (B = 1: per case): edit, post-edit beliefs, exact reset.
        post_done = _done_ids(con, "SELECT case_id FROM edits")
        pending_ids = [c for c in all_ids if c not in post_done]
        pending = [case_set.cases[c].edit_request() for c in pending_ids]
        if pending:
            if progress:
                progress("preparing the editor", 0, 1)
            editor.prepare(world_db, pending)
        group_size = resolve_parallel_edits(config.parallel_edits, editor, pending, model)
        edit_seconds, t0 = 0.0, time.perf_counter()
        done = len(all_ids) - len(pending_ids)
        for g in range(0, len(pending_ids), group_size):
            if progress:
                progress("editing", done, len(all_ids))
            group: list[Case] = case_set.select(pending_ids[g:g + group_size])
            seeds = [edit_seed(config.seed, c.case_id) for c in group]
            try:
                if group_size == 1:
                    outcomes = [editor.edit([group[0].edit_request()], seed=seeds[0], trace=config.trace)]
                    m = measurer.measure(group, "post")
                else:
                    outcomes = editor.edit_cases([c.edit_request() for c in group], seeds, trace=config.trace)
                    m = measurer.measure(group, "post", route=editor.route)
            finally:
                editor.reset()
            edit_seconds += sum(o.seconds for o in outcomes)
            write_measurement(con, m, [(c.case_id, o.seconds, o.final_loss,
                                        json.dumps(o.trace) if config.trace else None) for c, o in zip(group, outcomes)])
            done += len(group)
        post_seconds = time.perf_counter() - t0
        if progress:
            progress("editing", len(all_ids), len(all_ids))
        n_done = len(_done_ids(con, "SELECT case_id FROM edits"))
    except Exception:
        con.close()
        if created:       # an interrupt keeps everything for the rerun; an error keeps finished cases only
            _discard_unfinished(out, new_folder)
        raise
    finally:
        con.close()
    return EvalSummary(out, len(all_ids), n_done, resumed, pre_seconds, edit_seconds, time.perf_counter() - start,
                       group_size, post_seconds)


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


# Edit-parallel evaluation: B independent edits train and are measured in shared forward passes.
# On a CPU batching pays while the batches are small: lora (one row per case) gains 6.1x at B = 64
# and 6.7x at 256; bayes (~57 rows per case on the default world) 1.2x at 8 and loses from 32 on,
# as its batches outgrow the caches (bench/evaluate.py). Hence a budget of rows per batch on a CPU.
CPU_PARALLEL_EDITS = 64      # at most this many on a CPU
CPU_ROWS_PER_BATCH = 512     # and about this many training rows per batch there
GPU_PARALLEL_EDITS = 256     # at most this many on a GPU
MEMORY_SHARE = 0.4           # of the device's free memory for the edit batch's activations


def check_parallel_edits(requested: int | None, editor) -> None:
    if requested is not None and requested > 1 and not editor.parallel:
        raise KgeditError(f"The {editor.name} editor edits one case at a time: --parallel-edits {requested} "
                          "does not apply to it.", "Leave --parallel-edits out (or set it to 1); "
                          "edit-parallel evaluation is for lora and bayes.")


def resolve_parallel_edits(requested: int | None, editor, requests: Sequence, model) -> int:
    """B for this evaluation: the requested number (an editor that edits one case at a time refuses
    more than 1), else 1 for such editors, else as many as the device's free memory holds (capped)."""
    if requested is not None:
        check_parallel_edits(requested, editor)
        return requested
    if not editor.parallel or not requests:
        return 1
    rows = editor.rows_per_case(requests)
    cap, free = _device_budget(model, rows)
    per_case = rows * _bytes_per_training_row(model.config)
    return max(1, min(cap, len(requests), int(MEMORY_SHARE * free // max(per_case, 1))))


def _device_budget(model, rows_per_case: float) -> tuple[int, int]:
    """(cap on B, free bytes) of the model's device."""
    import torch

    from kgedit.lm.scoring import model_device

    device = model_device(model)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return GPU_PARALLEL_EDITS, free
    cap = min(CPU_PARALLEL_EDITS, int(CPU_ROWS_PER_BATCH // max(rows_per_case, 1.0)))
    try:
        with open("/proc/meminfo") as fh:
            info = dict(line.split(":", 1) for line in fh)
        free = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        import os

        free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    return cap, free


def _bytes_per_training_row(cfg, tokens: int = 32) -> int:
    """A generous estimate of one training row's float32 memory: the activations every layer keeps
    for the backward pass and the logits with their softmax and gradient, for `tokens` positions."""
    layer = 10 * cfg.hidden_size + 4 * cfg.intermediate_size + cfg.num_attention_heads * tokens
    return 4 * tokens * (cfg.num_hidden_layers * layer + 3 * cfg.vocab_size)


def _lm_measurer(batch_size: int):
    def factory(model, tok, case_set):
        from kgedit.evaluate.measure import LMMeasurer

        return LMMeasurer(model, tok, case_set, batch_size)
    return factory


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for pkg in ("kgedit", "torch", "transformers", "peft", "duckdb", "numpy"):
        try:
            found[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return found
