"""Shared fixtures. Hugging Face stays offline in every test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


def write_world(con, pairs: Sequence[tuple[str, str]], facts: Sequence[tuple[str, str, str]]) -> None:
    """Write a hand-made world straight into the world schema (for stages downstream of the world).

    pairs: (upstream label, downstream label); facts: (subject name, relation label, object name).
    Entity ids are 'E:' + name, relation ids 'R' + index; everything else follows sql/world.sql.
    """
    from kgedit import db
    from kgedit.world.naming import relation_name

    db.execute_script(con, "world")
    labels = [label for pair in pairs for label in pair]
    rid = {label: f"R{i}" for i, label in enumerate(labels)}
    for p, (up, down) in enumerate(pairs):
        con.execute("INSERT INTO relation_pairs VALUES (?, ?, ?, 1.0, 'config')", [p, rid[up], rid[down]])
        for label, role, partner in ((up, "upstream", down), (down, "downstream", up)):
            con.execute("INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [rid[label], label, relation_name(label), role, rid[partner], p, labels.index(label)])
    names = sorted({f[0] for f in facts} | {f[2] for f in facts})
    con.executemany("INSERT INTO entities VALUES (?, ?)", [[f"E:{n}", n] for n in names])
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?)",
                    [[f"E:{s}", rid[r], f"E:{o}", i + 1] for i, (s, r, o) in enumerate(facts)])
    objects = sorted({f"E:{f[2]}" for f in facts})
    con.executemany("INSERT INTO objects VALUES (?, ?)", [[o, i] for i, o in enumerate(objects)])
    subjects = {f[0] for f in facts}
    con.execute("INSERT INTO build_info VALUES ('handmade', '{}', ?, ?, ?, ?, ?, ?, ?, 0, 'test', NULL, 0, 0)",
                [len(facts), len(facts), len(names), len(subjects), len(objects), len(labels), len(facts)])


@pytest.fixture
def make_world(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_world(pairs, facts) -> path of a world database written by write_world."""
    from kgedit import db

    def _make(pairs, facts, name: str = "world.duckdb") -> Path:
        path = tmp_path / name
        con = db.connect(path)
        try:
            write_world(con, pairs, facts)
        finally:
            con.close()
        return path

    return _make


class Pipeline(NamedTuple):
    """The micro pipeline (tests/eval_world.py): world database with corpus, fit and cases; checkpoint."""
    world: Path
    checkpoint: Path


@pytest.fixture(scope="session")
def copy_pipeline(tmp_path_factory) -> Callable[[Path], Pipeline]:
    """copy_pipeline(folder) -> a fresh copy of the micro pipeline in folder. The pipeline is built once per
    session and only copies are handed out, so no test can change what another one reads."""
    from tests.eval_world import build_pipeline

    world, checkpoint = build_pipeline(tmp_path_factory.mktemp("built_pipeline"))

    def copy(folder: Path) -> Pipeline:
        return Pipeline(Path(shutil.copy2(world, folder)), Path(shutil.copytree(checkpoint, folder / checkpoint.name)))

    return copy


@pytest.fixture(scope="module")
def pipeline(copy_pipeline, tmp_path_factory) -> Pipeline:
    """This module's own copy of the micro pipeline: what its tests change (cases, key statistics cached
    beside the checkpoint) reaches no other module."""
    return copy_pipeline(tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="session")
def family_model(copy_pipeline, tmp_path_factory) -> Callable[[str], tuple[Path, Path]]:
    """family_model(model_type) -> (world database, model folder): the micro pipeline's world and a random
    2-layer model of that family with a tokenizer of its convention (tests/families.py), built once per
    session per family (rome and memit keep their key statistics in it, keyed by the weights)."""
    from kgedit import db
    from kgedit.lm.tokenizer import document_texts
    from tests.families import build_family_model

    root = tmp_path_factory.mktemp("families")
    world = copy_pipeline(root).world
    con = db.connect(world, read_only=True)
    try:
        texts = list(document_texts(con))
    finally:
        con.close()
    built: dict[str, Path] = {}

    def get(model_type: str) -> tuple[Path, Path]:
        if model_type not in built:
            built[model_type] = build_family_model(model_type, texts, root / model_type)
        return world, built[model_type]

    return get


def pytest_collection_modifyitems(config, items):
    """Tests marked gpu run only where CUDA is present (torch is imported only if such tests exist)."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in gpu_items:
        item.add_marker(skip)


# --- The hand-checkable Bayes world (issue 4): world tables + an evidence table per the corpus contract.
BAYES_PAIRS = [("educated at", "occupation"), ("sport", "member of sports team")]
BAYES_FACTS = [("Ann", "educated at", "Yale"), ("Ann", "occupation", "architect"), ("Bob", "educated at", "Yale"),
               ("Bob", "occupation", "lawyer"), ("Cy", "educated at", "MIT"), ("Dee", "occupation", "architect"),
               ("Eve", "sport", "tennis"), ("Eve", "member of sports team", "Lions")]
# (subject, relation label, object, weight, copies); K = 6 objects: Lions MIT Yale architect lawyer tennis
BAYES_EVIDENCE = [("Ann", "educated at", "Yale", 1.0, 2), ("Ann", "occupation", "architect", 1.0, 1),
                  ("Bob", "educated at", "Yale", 1.0, 1), ("Bob", "occupation", "lawyer", -1.0, 1),
                  ("Cy", "educated at", "MIT", 1.0, 1), ("Dee", "occupation", "architect", 1 / 3, 3),
                  ("Eve", "sport", "tennis", 1.0, 1)]


def write_evidence(con, evidence) -> None:
    """CREATE TABLE evidence (corpus contract) and insert (subject, relation label, object, weight, copies)."""
    con.execute("CREATE TABLE evidence (sentence_id BIGINT, subject_id VARCHAR, relation_id VARCHAR, "
                "object_id VARCHAR, weight DOUBLE, copies INTEGER)")
    rid = dict(con.execute("SELECT label, relation_id FROM relations").fetchall())
    con.executemany("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?)",
                    [[i, f"E:{s}", rid[r], f"E:{o}", w, c] for i, (s, r, o, w, c) in enumerate(evidence)])


@pytest.fixture(scope="session")
def copy_bayes_world(tmp_path_factory) -> Callable[[Path], Path]:
    """copy_bayes_world(folder) -> a fresh copy of the fitted Bayes world in folder (built once per session;
    only copies are handed out)."""
    from kgedit import db
    from kgedit.bayes import fit

    path = tmp_path_factory.mktemp("built_bayes_world") / "bayes.duckdb"
    con = db.connect(path)
    try:
        write_world(con, BAYES_PAIRS, BAYES_FACTS)
        write_evidence(con, BAYES_EVIDENCE)
        fit(con)
    finally:
        con.close()
    return lambda folder: Path(shutil.copy2(path, folder))


@pytest.fixture
def bayes_world(copy_bayes_world, tmp_path: Path) -> Path:
    """This test's own fitted world database: BAYES_PAIRS/BAYES_FACTS/BAYES_EVIDENCE, fitted with kgedit.bayes.fit."""
    return copy_bayes_world(tmp_path)
