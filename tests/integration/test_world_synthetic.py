"""The synthetic world in DuckDB: contract API, determinism, and agreement with its Wikidata5m files."""

from __future__ import annotations

import pytest

from kgedit import db
from kgedit.world.build import build_world
from kgedit.world.choice import PAPER_RELATIONS
from kgedit.world.synthetic import write_synthetic_files, write_synthetic_world
from kgedit.world.wikidata import WikidataSource

from .test_world_import import TABLES, rows


def synthetic(subjects: int = 300, seed: int = 5) -> db.Connection:
    con = db.connect()
    write_synthetic_world(con, subjects=subjects, seed=seed)
    return con


def test_write_synthetic_world_fills_every_table_and_returns_counts():
    con = db.connect()
    counts = write_synthetic_world(con, subjects=300, seed=5)
    assert counts["n_subjects"] == 300 and counts["n_relations"] == 10
    assert counts["n_facts"] == rows(con, "SELECT count(*) FROM facts")[0][0]
    for table in TABLES:
        assert rows(con, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    assert rows(con, "SELECT source, seed, duplicates_dropped FROM build_info") == [("synthetic", 5, 0)]
    assert rows(con, "SELECT upstream_id, downstream_id, direction_rule FROM relation_pairs ORDER BY pair_id") == [
        ("P69", "P106", "synthetic"), ("P19", "P27", "synthetic"), ("P413", "P54", "synthetic"),
        ("P641", "P421", "synthetic"), ("P31", "P17", "synthetic")]
    # every fact's entities exist; objects are exactly the facts' objects
    assert rows(con, "SELECT count(*) FROM facts WHERE subject_id NOT IN (SELECT entity_id FROM entities) "
                     "OR object_id NOT IN (SELECT entity_id FROM entities)") == [(0,)]
    assert rows(con, "SELECT count(*) FROM objects")[0][0] == rows(con, "SELECT count(DISTINCT object_id) FROM facts")[0][0]


def test_same_seed_gives_identical_tables():
    a, b = synthetic(), synthetic()
    for table in TABLES:
        assert rows(a, f"SELECT * FROM {table} ORDER BY ALL") == rows(b, f"SELECT * FROM {table} ORDER BY ALL")
    c = synthetic(seed=6)
    assert rows(a, "SELECT * FROM facts ORDER BY ALL") != rows(c, "SELECT * FROM facts ORDER BY ALL")


def test_downstream_with_upstream_share_is_about_twenty_percent():
    con = synthetic(1000, 0)
    share = rows(con, """SELECT count(*) / (SELECT count(*) FROM facts) FROM facts f
                         JOIN relations r ON r.relation_id = f.relation_id AND r.role = 'downstream'
                         JOIN facts u ON u.subject_id = f.subject_id AND u.relation_id = r.partner_id""")[0][0]
    assert 0.17 <= share <= 0.23


@pytest.mark.parametrize("compress", [False, True])
def test_importing_the_synthetic_files_gives_back_the_same_facts(tmp_path, compress):
    paths = write_synthetic_files(tmp_path, subjects=300, seed=5, compress=compress)
    build_world(tmp_path / "w.duckdb", WikidataSource(triples=paths["triples"], entities=paths["entities"],
                                                      relations=paths["relations"], relation_ids=list(PAPER_RELATIONS)))
    imported = db.connect(tmp_path / "w.duckdb", read_only=True)
    generated = synthetic()
    for sql in ("SELECT subject_id, relation_id, object_id FROM facts ORDER BY ALL",
                "SELECT * FROM entities ORDER BY ALL", "SELECT * FROM objects ORDER BY ALL"):
        assert rows(imported, sql) == rows(generated, sql)
    # the files also hold what the importer must drop: Q5, P735 and second objects
    read, kept, facts = rows(imported, "SELECT n_triples_read, n_triples_kept, n_facts FROM build_info")[0]
    assert read > kept > facts


def test_synthetic_files_go_to_a_folder_whose_name_has_quotes(tmp_path):
    """The file name is a bound parameter of COPY, never pasted into the SQL text."""
    folder = tmp_path / "Ann's \"files\""
    folder.mkdir()
    paths = write_synthetic_files(folder, subjects=50, seed=1, compress=True)
    assert sorted(paths) == ["entities", "relations", "triples"]
    assert all(p.parent == folder and p.read_bytes()[:2] == b"\x1f\x8b" for p in paths.values())   # gzip

