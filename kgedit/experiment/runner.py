"""Running an experiment: the stages in order, each keyed by its own config and the keys of the stages
it reads, recorded in OUT/experiment.json when the stage completes. A stage whose key is unchanged is
skipped; a changed key reruns it and, through the chained keys, everything after it.

    world -> corpus -> bayes -> cases --+
                  \\-> lm (tokenizer + pretraining) --+-> [trace] -> evaluate (one per editor) -> report

The trace stage (causal tracing, kgedit.trace) runs only when the experiment has a [trace] section; it
comes before evaluate, so rome's layer=trace finds its traced layer already cached beside the checkpoint.

Pretraining and evaluation are themselves resumable: an interrupted `kgedit run` continues them.

Under torchrun every rank runs this: the DuckDB stages (world, corpus, bayes, cases), the folder's record
and the report are rank 0's (so is the trace), while the other ranks wait; pretraining is data-parallel and each evaluation
sharded over all ranks (kgedit.lm.train, kgedit.evaluate.run).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgedit import db
from kgedit.distributed import SINGLE, Ranks, together
from kgedit.errors import KgeditError
from kgedit.editors import check_params
from kgedit.evaluate.results import fingerprint
from kgedit.lm.sentences import RULE_VERSION
from kgedit.experiment.config import (Experiment, cases_config, corpus_config, eval_config, trace_config,
                                      train_config, world_source)
from kgedit.progress import Progress, within

STATE_FILE = "experiment.json"
# What a run writes in its folder besides STATE_FILE, by stage. A run replaces only what STATE_FILE records
# as its own ("outputs"); a user's file or folder of the same name is refused unless overwrite.
STAGE_OUTPUTS = {"world": ("world.duckdb", "world.duckdb.wal"), "lm": ("ckpt", "lm.key"), "trace": ("trace",),
                 "evaluate": ("results",), "report": ("report",)}
OUTPUTS = tuple(name for names in STAGE_OUTPUTS.values() for name in names)
# What a skipped stage reports, within its stage, as its only task.
SKIPPED = "unchanged, skipped"


@dataclass
class RunSummary:
    out: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    results: dict[str, Path] = field(default_factory=dict)     # editor -> results folder
    trace: Path | None = None                                  # the trace folder, with a [trace] section
    report: Path | None = None


def stage_keys(exp: Experiment) -> dict[str, str]:
    keys = {"world": fingerprint(["world", exp["world"]])}
    keys["corpus"] = fingerprint([keys["world"], exp["corpus"]])
    keys["bayes"] = fingerprint([keys["corpus"], exp["bayes"]])
    keys["cases"] = fingerprint([keys["bayes"], exp["cases"]])
    keys["lm"] = fingerprint([keys["corpus"], exp["lm"]])
    if "trace" in exp.sections:
        keys["trace"] = fingerprint([keys["cases"], keys["lm"], exp["trace"]])
    ev = exp["evaluate"]
    for editor in ev["editors"]:     # the editor's resolved parameters: new defaults rerun the stage
        params = asdict(check_params(editor, ev["params"].get(editor, {})))
        keys[f"evaluate:{editor}"] = fingerprint([keys["cases"], keys["lm"], ev["cases"], ev["seed"], editor,
                                                  params, RULE_VERSION])
    return keys


def _read_record(out: Path) -> dict[str, Any] | None:
    """STATE_FILE as written by a run; None when there is none, {} when the file is not a run's record."""
    path = out / STATE_FILE
    if not path.exists() and not path.is_symlink():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) and isinstance(record.get("stages"), dict) else {}


def _read_state(out: Path) -> dict[str, str]:
    return dict((_read_record(out) or {}).get("stages", {}))


def _owned(out: Path) -> set[str]:
    """The outputs the run recorded as its own (a record from before outputs were listed owns them all)."""
    record = _read_record(out)
    if not record:
        return set()
    outputs = record.get("outputs", OUTPUTS)
    return {name for name in outputs if isinstance(name, str)} if isinstance(outputs, list | tuple) else set()


def _write_state(out: Path, exp: Experiment, stages: dict[str, str], outputs: set[str]) -> None:
    tmp = out / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps({"experiment": exp.source, "config": exp.sections, "stages": stages,
                               "outputs": sorted(outputs)}, indent=2, sort_keys=True, default=str), encoding="utf-8")
    tmp.replace(out / STATE_FILE)


def check_out(exp: Experiment, *, overwrite: bool = False) -> None:
    """Before any work: the experiment folder is usable, and holds nothing of the user's that the run would
    replace (overwrite allows that)."""
    if not exp["experiment"]["out"].strip():
        raise KgeditError(f"{exp.source}: [experiment] out (or --out) is empty.",
                          'Name the experiment folder, e.g. out = "experiment" (out = "." is the current folder).')
    out = exp.out
    existing = next(folder for folder in (out, *out.absolute().parents) if folder.exists())
    if not existing.is_dir():
        raise KgeditError(f"{existing} is a file, not a folder.", "Set [experiment] out (or --out) to a folder.")
    if overwrite or not out.exists():
        return
    record, owned = _read_record(out), _owned(out)
    foreign = [name for name in OUTPUTS if name not in owned and ((out / name).exists() or (out / name).is_symlink())]
    if record == {}:
        foreign.insert(0, STATE_FILE)
    if foreign:
        raise KgeditError(f"{out} already holds {', '.join(foreign)}, not written by kgedit run "
                          f"(not recorded in {out / STATE_FILE}); the run would replace {'it' if len(foreign) == 1 else 'them'}.",
                          "Choose another --out (or [experiment] out), move them away, or pass --overwrite to "
                          "let the run replace them.")


def _present_state(exp: Experiment) -> dict[str, str]:
    """The recorded stage keys, less those whose outputs are gone (a deleted folder or database)."""
    out, state = exp.out, _read_state(exp.out)
    if not (out / "world.duckdb").is_file():
        return {}
    from kgedit.lm.checkpoint import is_checkpoint

    if not is_checkpoint(out / "ckpt"):
        state.pop("lm", None)
    if not (out / "trace" / "trace.duckdb").is_file():
        state.pop("trace", None)
    for editor in exp["evaluate"]["editors"]:
        if not (out / "results" / editor / "results.duckdb").is_file():
            state.pop(f"evaluate:{editor}", None)
    return state


def plan(exp: Experiment, *, overwrite: bool = False) -> list[tuple[str, bool]]:
    """(stage, will run) in order, for the current state of the experiment folder."""
    check_out(exp, overwrite=overwrite)
    keys, state = stage_keys(exp), _present_state(exp)
    return [(stage, state.get(stage) != key) for stage, key in keys.items()] + [("report", True)]


def run_experiment(exp: Experiment, progress: Progress | None = None, *, overwrite: bool = False,
                   ranks: Ranks = SINGLE) -> RunSummary:
    """Every stage that needs to run. Only outputs recorded as the run's own are replaced, unless overwrite."""
    check_out(exp, overwrite=overwrite)
    out, progress = exp.out, progress if ranks.main else None
    with together(ranks, "creating the experiment folder"):
        if ranks.main:
            _make_folder(out)
    keys, state, owned = stage_keys(exp), _present_state(exp), _owned(out)
    with together(ranks, "reading the experiment folder"):
        pass                   # every rank decides from the same record before rank 0 changes it
    summary = RunSummary(out)
    world_db = out / "world.duckdb"

    def done(stage: str) -> None:
        state[stage] = keys[stage]
        if ranks.main:
            _write_state(out, exp, state, owned)
        summary.ran.append(stage)

    def fresh(stage: str) -> bool:
        if state.get(stage) == keys[stage]:
            summary.skipped.append(stage)
            if progress:
                within(progress, stage)(SKIPPED, 1, 1)
            return False
        state.pop(stage, None)
        owned.update(STAGE_OUTPUTS.get(stage.split(":")[0], ()))   # recorded before the stage writes them
        if ranks.main:
            _write_state(out, exp, state, owned)
        return True

    with together(ranks, "building the world, corpus, Bayesian fit and cases"):
        if ranks.main:
            _duckdb_stages(exp, world_db, fresh, done, progress)
    ckpt = out / "ckpt"
    if fresh("lm"):
        _lm(exp, world_db, ckpt, out, within(progress, "lm"), ranks)
        done("lm")
    if "trace" in keys:
        if fresh("trace"):
            with together(ranks, "tracing"):
                if ranks.main:
                    _trace(exp, world_db, ckpt, out / "trace", within(progress, "trace"))
            done("trace")
        summary.trace = out / "trace"
    for editor in exp["evaluate"]["editors"]:
        stage = f"evaluate:{editor}"
        folder = out / "results" / editor
        if fresh(stage):
            _evaluate(exp, editor, world_db, ckpt, folder, within(progress, stage), ranks)
            done(stage)
        summary.results[editor] = folder
    if ranks.main:
        from kgedit.report.experiment import write_report

        if progress:
            within(progress, "report")("writing the report", 0, None)
        owned.update(STAGE_OUTPUTS["report"])
        _write_state(out, exp, state, owned)
        summary.report = write_report(exp, ckpt, summary.results, out / "report", summary.trace)
    return summary


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KgeditError(f"Cannot create the experiment folder {out}: {exc.strerror}.",
                          "Set [experiment] out (or --out) to a folder you can write to.") from None


def _duckdb_stages(exp: Experiment, world_db: Path, fresh, done, progress: Progress | None) -> None:
    """World, corpus, Bayesian fit and cases: single-node stages (rank 0's under torchrun)."""
    if fresh("world"):
        _world(exp, world_db, within(progress, "world"))
        done("world")
    if fresh("corpus"):
        _with_db(world_db, lambda con: _corpus(exp, con, within(progress, "corpus")))
        done("corpus")
    if fresh("bayes"):
        _with_db(world_db, lambda con: _bayes(exp, con, within(progress, "bayes")))
        done("bayes")
    if fresh("cases"):
        _with_db(world_db, lambda con: _cases(exp, con, world_db, within(progress, "cases")))
        done("cases")


def _with_db(path: Path, fn) -> None:
    con = db.connect(path)
    try:
        fn(con)
    finally:
        con.close()


def _world(exp: Experiment, world_db: Path, progress) -> None:
    from kgedit.world.build import build_world

    build_world(world_db, world_source(exp), overwrite=True, progress=progress)


def _corpus(exp: Experiment, con, progress) -> None:
    from kgedit.corpus.build import generate_corpus

    generate_corpus(con, corpus_config(exp), overwrite=True, progress=progress)


def _bayes(exp: Experiment, con, progress) -> None:
    from kgedit.bayes.fit import fit

    fit(con, prior_mass=exp["bayes"]["prior_mass"], progress=progress)


def _cases(exp: Experiment, con, world_db: Path, progress) -> None:
    from kgedit.cases.build import generate_cases

    generate_cases(con, cases_config(exp), overwrite=True, db_label=str(world_db), progress=progress)


def _lm(exp: Experiment, world_db: Path, ckpt: Path, out: Path, progress: Progress | None, ranks: Ranks) -> None:
    """Tokenizer (rank 0's) and pretraining; a half-trained checkpoint of the same configuration is resumed."""
    from kgedit.lm import checkpoint as ck
    from kgedit.lm.presets import get_preset
    from kgedit.lm.tokenizer import build_tokenizer
    from kgedit.lm.train import train

    lm = exp["lm"]
    preset = get_preset(lm["preset"])
    marker = out / "lm.key"
    key = stage_keys(exp)["lm"]
    with together(ranks, "reading the checkpoint"):
        resumable = ck.is_checkpoint(ckpt) and marker.is_file() and marker.read_text() == key
    with together(ranks, "building the tokenizer"):
        if ranks.main and not resumable:
            shutil.rmtree(ckpt, ignore_errors=True)
            marker.write_text(key)
            if lm["init"] is None:          # with init, pretraining continues with the model's own tokenizer
                build_tokenizer(world_db, ckpt, vocab_size=lm["vocab_size"] or preset.vocab_size, progress=progress)
    train(world_db, ckpt, train_config(exp), resume=resumable, progress=progress, ranks=ranks)


def _trace(exp: Experiment, world_db: Path, ckpt: Path, folder: Path, progress) -> None:
    """A fresh trace (the folder is the run's own output: a trace of an older configuration goes)."""
    from kgedit.trace.store import trace_checkpoint

    shutil.rmtree(folder, ignore_errors=True)
    trace_checkpoint(trace_config(exp, world_db, ckpt), folder, progress)


def _evaluate(exp: Experiment, editor: str, world_db: Path, ckpt: Path, folder: Path, progress, ranks: Ranks) -> None:
    from kgedit.evaluate.run import evaluate

    config = eval_config(exp, editor, world_db, ckpt)
    marker = folder / "stage.key"
    key = stage_keys(exp)[f"evaluate:{editor}"]
    with together(ranks, "preparing the results folder"):
        if ranks.main:
            if folder.exists() and not (marker.is_file() and marker.read_text() == key):
                shutil.rmtree(folder)      # results of another configuration: start over (resume only the same one)
            folder.mkdir(parents=True, exist_ok=True)
            marker.write_text(key)
    evaluate(config, folder, progress=progress, ranks=ranks)
