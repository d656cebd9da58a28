"""`kgedit evaluate`: pre-edit beliefs for every case (batched), then per case edit -> post-edit beliefs
-> exact reset, with every result row in results/results.duckdb (SPEC §6, §8, §9), finished with
results.json and Parquet copies (the results folder: kgedit.evaluate.results).

Resumable by construction: the cases and targets are copied into the results database when it is
created; pre-edit rows are written per fixed chunk of case ids, and a case's post-edit rows and its
edit row are written in one transaction, so an interrupted run keeps every finished case and a rerun
of the same command does only what is missing. A rerun with another model, world, editor or editor
parameters is refused (fingerprint), never mixed into the old results.

Under torchrun every rank loads the model on its own device and measures a deterministic shard of what is
missing (whole chunks of pre-edit cases and whole edit groups, dealt round-robin; each case's edit has
its own seed) into its own part; rank 0 merges the parts (kgedit.evaluate.parts) and finishes the outputs.
Only rank 0 reports progress, for its own shard.
"""

from __future__ import annotations

import json
import math
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
from kgedit.distributed import SINGLE, Ranks, agree_min, main_first, rank_device, shard, together
from kgedit.evaluate.measure import Measurer
from kgedit.evaluate.parts import merge_parts, writing_part
from kgedit.evaluate.results import (finish_results, finished_cases, fingerprint, model_identity, open_results,
                                     pre_edit_cases, write_measurement, writing_results)
from kgedit.lm.sentences import RULE_VERSION
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
             progress: Progress | None = None, ranks: Ranks = SINGLE) -> EvalSummary:
    """Run (or continue) an evaluation into `out`, then finish its outputs (results.json, Parquet copies:
    kgedit.evaluate.results.finish_results). The factories replace the LM, its measurer and the editor
    (tests use an oracle that answers from the Bayesian model). Under torchrun (`ranks`), every rank
    measures its shard of the cases into its own part and rank 0 merges the parts (kgedit.evaluate.parts)."""
    from kgedit.editors import make_editor
    from kgedit.editors.parallel import check_parallel_edits

    config.check(editor=editor_factory is None)
    start = time.perf_counter()
    out, world_db = Path(out), Path(config.world_db)
    if out.exists() and not out.is_dir():
        raise KgeditError(f"--out {out} is a file, not a folder.", "Choose a folder for the results.")
    n, cases_info = _world_cases(world_db, config.cases)
    model, tok, identity = (model_loader or _model_loader(config, ranks))()
    editor = editor_factory(model, tok) if editor_factory else make_editor(config.editor, model, tok, config.editor_params)
    check_parallel_edits(config.parallel_edits, editor)
    # Paths are not part of the fingerprint: a moved world or checkpoint is still the same evaluation.
    determining = {"model": identity, "cases_info": cases_info,
                   "n_cases": n, "editor": config.editor, "editor_params": asdict(editor.params)
                   if hasattr(editor.params, "__dataclass_fields__") else editor.params, "seed": config.seed,
                   "answers": RULE_VERSION}
    details = {"model_path": str(config.model), "world_db": str(world_db.resolve()), "device": config.device,
               "batch_size": config.batch_size, "trace": config.trace, "parallel_edits": config.parallel_edits,
               "versions": _versions()}
    key = fingerprint(determining)

    def results():
        return writing_results(out, world_db, n, determining, details)

    def work(case_set: CaseSet) -> _Work:
        measurer = (measurer_factory or _lm_measurer(config.batch_size))(model, tok, case_set)
        return _Work(config, case_set, measurer, model, editor, ranks)

    run = _sharded if ranks.distributed else _single
    case_set, resumed, timings, n_done = run(out, key, results, work, ranks, progress if ranks.main else None)
    summary = EvalSummary(out, len(case_set.cases), n_done, resumed, timings[0], timings[1],
                          time.perf_counter() - start, timings[3], timings[2])
    if ranks.main:
        finish_results(out, {"pre_seconds": summary.pre_seconds, "wall_seconds_last_run": summary.wall_seconds,
                             "parallel_edits": summary.parallel_edits})
    return summary


def _single(out: Path, key: str, results, work, ranks: Ranks, progress: Progress | None):
    """One process: straight into the results database (after merging the parts an interrupted torchrun
    run left); returns the case set, the cases finished before, the timings and the cases done."""
    with results() as con:
        merge_parts(con, out, key)
        case_set = load_case_set(con)
        resumed = len(finished_cases(con))
        timings = work(case_set).run(con, pre_edit_cases(con), finished_cases(con), progress)
        return case_set, resumed, timings, len(finished_cases(con))


def _sharded(out: Path, key: str, results, work, ranks: Ranks, progress: Progress | None):
    """Under torchrun: rank 0 opens (or creates) the results and merges leftover parts; every rank measures
    its shard of what is missing into its own part; after all are done, rank 0 merges the parts."""
    with together(ranks, "opening the results"):
        if ranks.main:
            with results() as con:
                merge_parts(con, out, key)
    con = open_results(out)
    try:
        case_set, pre_done, post_done = load_case_set(con), pre_edit_cases(con), finished_cases(con)
    finally:
        con.close()
    with writing_part(out, ranks.rank, ranks.world_size, key) as part:
        timings = work(case_set).run(part, pre_done | pre_edit_cases(part), post_done | finished_cases(part), progress)
        n_done = len(post_done | finished_cases(part))
    with together(ranks, "writing its part of the results"):
        if ranks.main:
            with results() as con:
                merge_parts(con, out, key)
                n_done = len(finished_cases(con))
    return case_set, len(post_done), timings, n_done


class _Work:
    """The measuring of one evaluation on one rank: its shard of the pre-edit beliefs, then its shard of
    the edits (edit -> post-edit beliefs -> exact reset, B cases at a time), written into `con`."""

    def __init__(self, config: EvalConfig, case_set: CaseSet, measurer: Measurer, model, editor, ranks: Ranks) -> None:
        self.config, self.case_set, self.measurer, self.ranks = config, case_set, measurer, ranks
        self.model, self.editor = model, editor

    def run(self, con: db.Connection, pre_done: set[int], post_done: set[int],
            progress: Progress | None) -> tuple[float, float, float, int]:
        """(pre-edit seconds, edit seconds, seconds of the edit loop, B) for the cases not in the done sets."""
        with together(self.ranks, "measuring the pre-edit beliefs"):
            pre_seconds = _pre_edit(con, self.case_set, self.measurer, pre_done, self.ranks, progress)
        groups, size = self._groups(sorted(set(self.case_set.cases) - post_done), progress)
        with together(self.ranks, "editing its cases"):
            edit_seconds, post_seconds = self._edit(con, shard(groups, self.ranks), size, len(post_done), progress)
        return pre_seconds, edit_seconds, post_seconds, size

    def _groups(self, pending_ids: list[int], progress: Progress | None) -> tuple[list[list[int]], int]:
        """The pending cases in groups of B, the same B on every rank (capped so that every rank gets
        groups under torchrun); the editor is prepared for them first (rank 0 first: it may cache)."""
        from kgedit.editors.parallel import resolve_parallel_edits

        pending = [self.case_set.cases[c].edit_request() for c in pending_ids]

        def prepare() -> None:
            if pending:
                if progress:
                    progress("preparing the editor", 0, None)
                self.editor.prepare(Path(self.config.world_db), pending)
        main_first(self.ranks, "preparing the editor", prepare)
        size = resolve_parallel_edits(self.config.parallel_edits, self.editor, pending, self.model)
        if self.ranks.distributed:
            size = agree_min(self.ranks, min(size, max(1, math.ceil(len(pending) / self.ranks.world_size))))
        return [pending_ids[g:g + size] for g in range(0, len(pending_ids), size)], size

    def _edit(self, con: db.Connection, groups: list[list[int]], size: int, done: int,
              progress: Progress | None) -> tuple[float, float]:
        config, total, note = self.config, len(self.case_set.cases), ""
        if self.ranks.distributed:
            total, done, note = sum(map(len, groups)), 0, f"rank 0's shard of {self.ranks.world_size}"
        edit_seconds, t0 = 0.0, time.perf_counter()
        for ids in groups:
            if progress:
                progress("editing", done, total, "cases", note)
            group: list[Case] = self.case_set.select(ids)
            outcomes, m = _edit_group(self.editor, self.measurer, group,
                                      [edit_seed(config.seed, c.case_id) for c in group],
                                      parallel=size > 1, trace=config.trace)
            edit_seconds += sum(o.seconds for o in outcomes)
            write_measurement(con, m, [(c.case_id, o.seconds, o.final_loss,
                                        json.dumps(o.trace) if config.trace else None) for c, o in zip(group, outcomes)])
            done += len(group)
        if progress:
            progress("editing", total, total, "cases", note)
        return edit_seconds, time.perf_counter() - t0


def _pre_edit(con: db.Connection, case_set: CaseSet, measurer: Measurer, pre_done: set[int], ranks: Ranks,
              progress: Progress | None) -> float:
    """1. Pre-edit beliefs of the unedited model, in fixed chunks of case ids (under torchrun: this rank's
    chunks), for the cases that have none yet; returns the seconds it took."""
    all_ids = sorted(case_set.cases)
    chunks: dict[int, list[int]] = {}
    for c in all_ids:
        if c not in pre_done:
            chunks.setdefault(c // PRE_CHUNK, []).append(c)
    mine = shard([ids for _, ids in sorted(chunks.items())], ranks)
    total = sum(map(len, mine)) if ranks.distributed else len(all_ids)
    done = 0 if ranks.distributed else len(pre_done & set(all_ids))
    t0 = time.perf_counter()
    for ids in mine:
        if progress:
            progress("pre-edit beliefs", done, total, "cases")
        write_measurement(con, measurer.measure(case_set.select(ids), "pre"))
        done += len(ids)
    seconds = time.perf_counter() - t0
    if progress:
        progress("pre-edit beliefs", total, total, "cases")
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


def _model_loader(config: EvalConfig, ranks: Ranks) -> Callable[[], tuple[Any, Any, dict[str, Any]]]:
    """The model (on this rank's device), tokenizer and model identity (for the fingerprint: the weights and
    the dtype they are evaluated in) of the model folder config.model: a kgedit checkpoint or any supported
    HF causal LM."""
    def load():
        from kgedit.lm.model_folder import check_model_files, load_model_folder

        check_model_files(Path(config.model))
        identity = model_identity(Path(config.model))
        model, tok = load_model_folder(config.model, rank_device(config.device, ranks), config.dtype)
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
