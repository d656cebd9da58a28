"""`kgedit evaluate`: pre-edit beliefs for every case (batched), then per case edit -> post-edit beliefs
-> exact reset, with every result row in results/results.duckdb (SPEC §6, §8, §9), finished with
results.json and Parquet copies (the results folder: kgedit.evaluate.results).

Resumable by construction: the cases and targets are copied into the results database when it is
created; pre-edit rows are written per fixed chunk of case ids, and a case's post-edit rows and its
edit row are written in one transaction, so an interrupted run keeps every finished case and a rerun
of the same command does only what is missing. A rerun with another model, world, editor or editor
parameters is refused (fingerprint), never mixed into the old results.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.evaluate.case_set import Case, CaseSet, load_case_set
from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.measure import Measurer
from kgedit.evaluate.results import (finish_results, finished_cases, model_identity, pre_edit_cases,
                                     write_measurement, writing_results)
from kgedit.progress import Progress

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


def evaluate(config: EvalConfig, out: Path, *, measurer_factory: Callable[[Any, Any, CaseSet], Measurer] | None = None,
             model_loader: Callable[[], tuple[Any, Any, dict[str, Any]]] | None = None,
             editor_factory: Callable[[Any, Any], Any] | None = None,
             progress: Progress | None = None) -> EvalSummary:
    """Run (or continue) an evaluation into `out`, then finish its outputs (results.json, Parquet copies:
    kgedit.evaluate.results.finish_results). The factories replace the LM, its measurer and the editor
    (tests use an oracle that answers from the Bayesian model)."""
    from kgedit.editors import make_editor
    from kgedit.editors.parallel import check_parallel_edits, resolve_parallel_edits

    config.check(editor=editor_factory is None)
    start = time.perf_counter()
    out, world_db = Path(out), Path(config.world_db)
    if out.exists() and not out.is_dir():
        raise KgeditError(f"--out {out} is a file, not a folder.", "Choose a folder for the results.")
    n, cases_info = _world_cases(world_db, config.cases)
    model, tok, identity = (model_loader or _model_loader(config))()
    editor = editor_factory(model, tok) if editor_factory else make_editor(config.editor, model, tok, config.editor_params)
    check_parallel_edits(config.parallel_edits, editor)
    # Paths are not part of the fingerprint: a moved world or checkpoint is still the same evaluation.
    determining = {"model": identity, "cases_info": cases_info,
                   "n_cases": n, "editor": config.editor, "editor_params": asdict(editor.params)
                   if hasattr(editor.params, "__dataclass_fields__") else editor.params, "seed": config.seed}
    details = {"model_path": str(config.model), "world_db": str(world_db.resolve()), "device": config.device,
               "batch_size": config.batch_size, "trace": config.trace, "parallel_edits": config.parallel_edits,
               "versions": _versions()}
    with writing_results(out, world_db, n, determining, details) as con:
        case_set = load_case_set(con)
        measurer = (measurer_factory or _lm_measurer(config.batch_size))(model, tok, case_set)
        all_ids = sorted(case_set.cases)
        resumed = len(finished_cases(con))
        pre_seconds = _pre_edit(con, case_set, measurer, progress)

        # 2. Per group of B cases (B = 1: per case): edit, post-edit beliefs, exact reset.
        post_done = finished_cases(con)
        pending_ids = [c for c in all_ids if c not in post_done]
        pending = [case_set.cases[c].edit_request() for c in pending_ids]
        if pending:
            if progress:
                progress("preparing the editor", 0, None)
            editor.prepare(world_db, pending)
        group_size = resolve_parallel_edits(config.parallel_edits, editor, pending, model)
        edit_seconds, t0 = 0.0, time.perf_counter()
        done = len(all_ids) - len(pending_ids)
        for g in range(0, len(pending_ids), group_size):
            if progress:
                progress("editing", done, len(all_ids), "cases")
            group: list[Case] = case_set.select(pending_ids[g:g + group_size])
            outcomes, m = _edit_group(editor, measurer, group, [edit_seed(config.seed, c.case_id) for c in group],
                                      parallel=group_size > 1, trace=config.trace)
            edit_seconds += sum(o.seconds for o in outcomes)
            write_measurement(con, m, [(c.case_id, o.seconds, o.final_loss,
                                        json.dumps(o.trace) if config.trace else None) for c, o in zip(group, outcomes)])
            done += len(group)
        post_seconds = time.perf_counter() - t0
        if progress:
            progress("editing", len(all_ids), len(all_ids), "cases")
        n_done = len(finished_cases(con))
    summary = EvalSummary(out, len(all_ids), n_done, resumed, pre_seconds, edit_seconds, time.perf_counter() - start,
                          group_size, post_seconds)
    finish_results(out, {"pre_seconds": summary.pre_seconds, "wall_seconds_last_run": summary.wall_seconds,
                         "parallel_edits": summary.parallel_edits})
    return summary


def _pre_edit(con: db.Connection, case_set: CaseSet, measurer: Measurer, progress: Progress | None) -> float:
    """1. Pre-edit beliefs of the unedited model, in fixed chunks of case ids, for the cases that have
    none yet; returns the seconds it took."""
    all_ids = sorted(case_set.cases)
    pre_done = pre_edit_cases(con)
    todo = [c for c in all_ids if c not in pre_done]
    t0 = time.perf_counter()
    chunks: dict[int, list[int]] = {}
    for c in todo:
        chunks.setdefault(c // PRE_CHUNK, []).append(c)
    done = len(all_ids) - len(todo)
    for _, ids in sorted(chunks.items()):
        if progress:
            progress("pre-edit beliefs", done, len(all_ids), "cases")
        write_measurement(con, measurer.measure(case_set.select(ids), "pre"))
        done += len(ids)
    seconds = time.perf_counter() - t0
    if progress:
        progress("pre-edit beliefs", len(all_ids), len(all_ids), "cases")
    return seconds


def _edit_group(editor, measurer: Measurer, group: list[Case], seeds: list[int], *, parallel: bool, trace: bool):
    """Edit the group's cases (one at a time, or all at once with `parallel`), measure the post-edit
    beliefs, and reset the model exactly whatever happens; returns the outcomes and the measurement."""
    try:
        if not parallel:
            outcomes = [editor.edit([group[0].edit_request()], seed=seeds[0], trace=trace)]
            m = measurer.measure(group, "post")
        else:
            outcomes = editor.edit_cases([c.edit_request() for c in group], seeds, trace=trace)
            m = measurer.measure(group, "post", route=editor.route)
    finally:
        editor.reset()
    return outcomes, m


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


def _model_loader(config: EvalConfig) -> Callable[[], tuple[Any, Any, dict[str, Any]]]:
    """The model, tokenizer and model identity (for the fingerprint: the weights and the dtype they are
    evaluated in) of the model folder config.model: a kgedit checkpoint or any supported HF causal LM."""
    def load():
        from kgedit.lm.model_folder import check_model_files, load_model_folder

        check_model_files(Path(config.model))
        identity = model_identity(Path(config.model))
        model, tok = load_model_folder(config.model, config.device, config.dtype)
        return model, tok, {**identity, "dtype": str(model.dtype).removeprefix("torch.")}
    return load


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
