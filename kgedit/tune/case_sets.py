"""The case sets of a tuning run, each in its own copy of the world database (the user's is never
written): the tuning set is the first `tune_cases` cases drawn with seed A; an evaluation set is every
eligible case drawn with seed B minus those whose edited subject (s1) is in the tuning set, renumbered,
of which the first `eval_cases` are reported. Held out by construction, and checked again after it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.progress import Progress, within
from kgedit.tune.config import TuneConfig

CASES_FOLDER = "cases"


@dataclass(frozen=True)
class CaseSets:
    tune_db: Path
    eval_dbs: dict[int, Path]            # evaluation seed -> world copy with the held-out cases
    tune_subjects: int                   # distinct edited subjects of the tuning cases
    eval_available: dict[int, int]       # evaluation seed -> held-out cases available

    def as_dict(self) -> dict:
        return {"tune_db": str(self.tune_db), "eval_dbs": {str(k): str(v) for k, v in self.eval_dbs.items()},
                "tune_subjects": self.tune_subjects, "eval_available": {str(k): v for k, v in self.eval_available.items()},
                "overlap_of_edited_subjects": 0}


def tune_db_path(out: Path, config: TuneConfig) -> Path:
    return Path(out) / CASES_FOLDER / f"tune-seed{config.cases_seed}-n{config.tune_cases}.duckdb"


def eval_db_path(out: Path, config: TuneConfig, seed: int) -> Path:
    return Path(out) / CASES_FOLDER / f"eval-seed{seed}-minus-seed{config.cases_seed}-n{config.tune_cases}.duckdb"


def build_case_sets(config: TuneConfig, out: Path, progress: Progress | None = None) -> CaseSets:
    """The tuning and evaluation worlds under out/cases/ (made once; an existing one is reused: its name
    holds everything it depends on), with the disjointness of their edited subjects checked."""
    from kgedit.cases.config import CasesConfig

    world = Path(config.world_db)
    eligible = _eligible(world)
    if config.tune_cases + config.eval_cases > eligible:
        raise KgeditError(f"--tune-cases {config.tune_cases} and --eval-cases {config.eval_cases} need "
                          f"{config.tune_cases + config.eval_cases} subjects; the world has {eligible} (one case "
                          "per subject, and the held-out cases never edit a tuned subject).",
                          f"Use at most {eligible} cases in all.")
    tune_db = tune_db_path(out, config)
    _make(world, tune_db, CasesConfig(n=config.tune_cases, seed=config.cases_seed), None,
          within(progress, f"tuning cases (seed {config.cases_seed})"))
    subjects = _edited_subjects(tune_db, config.tune_cases)
    eval_dbs, available = {}, {}
    for seed in config.eval_seeds:
        path = eval_db_path(out, config, seed)
        _make(world, path, CasesConfig(n=eligible, seed=seed), subjects,
              within(progress, f"held-out cases (seed {seed})"))
        held_out = _edited_subjects(path, None)
        if held_out & subjects:
            raise KgeditError(f"{path} shares edited subjects with the tuning cases.",
                              f"Delete {path.parent} and run kgedit tune again.")
        available[seed] = len(held_out)
        eval_dbs[seed] = path
    return CaseSets(tune_db, eval_dbs, len(subjects), available)


def _make(world: Path, path: Path, cases, excluded: set[str] | None, progress: Progress | None) -> None:
    """A copy of the world with `cases` generated into it (and the cases of `excluded` subjects removed),
    written beside `path` and renamed onto it only when complete."""
    from kgedit.cases.build import generate_cases

    if path.is_file():
        return
    if world.with_name(world.name + ".wal").exists():
        raise KgeditError(f"{world} is being written (it has a .wal file).", "Wait for that command to finish.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    shutil.copyfile(world, partial)
    try:
        con = db.connect(partial)
        try:
            generate_cases(con, cases, overwrite=True, db_label=str(world), progress=progress)
            if excluded is not None:
                _hold_out(con, excluded)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)


def _hold_out(con: db.Connection, excluded: set[str]) -> None:
    import pyarrow as pa

    con.register("_tune_excluded", pa.table({"subject_id": pa.array(sorted(excluded), pa.string())}))
    try:
        with db.transaction(con):
            db.execute_script(con, "tune_holdout")
    finally:
        con.unregister("_tune_excluded")


def _edited_subjects(path: Path, n: int | None) -> set[str]:
    """The edited subjects of the first n cases (all when None)."""
    con = db.connect(path, read_only=True)
    try:
        rows = db.fetch(con, "SELECT subject_id FROM cases WHERE case_id < $n",
                        {"n": n if n is not None else np.iinfo(np.int32).max})[1]
    finally:
        con.close()
    return {r[0] for r in rows}


def _eligible(world: Path) -> int:
    """How many subjects can be a case's s1 (one case per subject): every case a seed can draw."""
    from kgedit.cases.build import WORLD_TABLES, load_training_facts
    from kgedit.cases.sampling import draw_cases

    if not world.is_file():
        raise KgeditError(f"No database at {world}.", "Build the world and corpus first (see README).")
    con = db.connect(world, read_only=True)
    try:
        db.require_tables(con, WORLD_TABLES, "world", f"kgedit world build --db {world}")
        db.require_tables(con, ("corpus_facts", "evidence"), "corpus", f"kgedit corpus generate --db {world}")
        facts, names = load_training_facts(con)
    finally:
        con.close()
    return draw_cases(facts, len(names.relation), 1, np.random.default_rng(0)).n_eligible_subjects
