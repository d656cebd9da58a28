"""The bundled real Wikidata slice (data/wikidata): greedy choice, pairs, and the paper preset."""

from __future__ import annotations

import pytest

from kgedit import db
from kgedit.world.build import build_world
from kgedit.world.bundled import bundled_files
from kgedit.world.choice import PAPER_RELATIONS
from kgedit.world.wikidata import WikidataSource

from .test_world_import import TABLES, rows

# SPEC §1.2: on the bundled slice the greedy choice picks these ten.
SPEC_RELATIONS = {"occupation", "country of citizenship", "place of birth", "languages spoken, written, or signed",
                  "educated at", "sex or gender", "genre", "country of origin", "cast member", "narrative location"}


def source(**options) -> WikidataSource:
    files = bundled_files()
    return WikidataSource(triples=files["triples"], entities=files["entities"], relations=files["relations"], **options)


@pytest.fixture(scope="module")
def greedy(tmp_path_factory):
    path = tmp_path_factory.mktemp("slice") / "greedy.duckdb"
    build_world(path, source())
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def test_greedy_choice_yields_the_relations_the_spec_names(greedy):
    assert {label for (label,) in rows(greedy, "SELECT label FROM relations")} == SPEC_RELATIONS


def test_greedy_pairs_on_the_slice(greedy):
    # Recorded from this slice (README): matching + direction (Table 2 for P19/P27, else file order).
    assert rows(greedy, "SELECT upstream_id, downstream_id, direction_rule FROM relation_pairs ORDER BY pair_id") == [
        ("P106", "P21", "file_order"), ("P19", "P27", "paper_table2"), ("P1412", "P69", "file_order"),
        ("P161", "P495", "file_order"), ("P840", "P136", "file_order")]
    assert rows(greedy, "SELECT n_triples_read, n_triples_kept FROM build_info") == [(278690, 270242)]
    # 1:1 and >= 2 chosen relations per subject
    assert rows(greedy, "SELECT min(n) FROM (SELECT count(*) AS n FROM facts GROUP BY subject_id)") == [(2,)]
    assert rows(greedy, "SELECT count(*) FROM (SELECT subject_id, relation_id FROM facts GROUP BY ALL HAVING count(*) > 1)") \
        == [(0,)]


def test_paper_preset_builds_on_the_slice(tmp_path):
    build_world(tmp_path / "paper.duckdb", source(relation_ids=list(PAPER_RELATIONS)))
    con = db.connect(tmp_path / "paper.duckdb", read_only=True)
    assert {r for (r,) in rows(con, "SELECT relation_id FROM relations")} == set(PAPER_RELATIONS)
    counts = dict(rows(con, "SELECT relation_id, count(*) FROM facts GROUP BY 1"))
    assert all(counts[r] > 0 for r in PAPER_RELATIONS)
    assert rows(con, "SELECT count(*) FROM relation_pairs") == [(5,)]


def test_same_slice_gives_identical_tables(tmp_path, greedy):
    build_world(tmp_path / "again.duckdb", source())
    again = db.connect(tmp_path / "again.duckdb", read_only=True)
    for table in TABLES:
        assert rows(again, f"SELECT * FROM {table} ORDER BY ALL") == rows(greedy, f"SELECT * FROM {table} ORDER BY ALL")
