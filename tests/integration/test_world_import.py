"""Importing Wikidata5m-format files into the world schema, on the hand-checkable tiny world.

Every expected number below is worked out in data/fixtures/tiny_world/README.md.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from kgedit import db
from kgedit.errors import InputFileError, KgeditError
from kgedit.world.build import build_world
from kgedit.world.wikidata import WikidataSource

from ..conftest import REPO

TINY = REPO / "data" / "fixtures" / "tiny_world"
TABLES = ("entities", "relations", "relation_pairs", "facts", "objects", "relation_cooccurrence", "build_info")


def tiny_source(folder: Path = TINY, **options) -> WikidataSource:
    options.setdefault("n_relations", 4)
    return WikidataSource(triples=folder / "triples.tsv", entities=folder / "entities.tsv",
                          relations=folder / "relations.tsv", **options)


def build(tmp_path: Path, source: WikidataSource, name: str = "w.duckdb") -> db.Connection:
    build_world(tmp_path / name, source)
    return db.connect(tmp_path / name, read_only=True)


@pytest.fixture
def tiny(tmp_path):
    con = build(tmp_path, tiny_source())
    yield con
    con.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_facts_are_one_first_object_per_subject_and_relation(tiny):
    assert rows(tiny, "SELECT * FROM facts ORDER BY source_line") == [
        ("S1", "P106", "O1", 1), ("S1", "P19", "O2", 2), ("S1", "P27", "O3", 3),
        ("S2", "P106", "O1", 4), ("S2", "P19", "O4", 5),  # line 6 (S2 occupation O2) is the 2nd object
        ("S3", "P19", "O2", 7), ("S3", "P27", "O3", 8),
        ("S4", "P106", "O3", 10), ("S4", "P69", "O5", 11),
        ("S6", "P106", "O1", 19), ("S6", "P69", "O5", 20)]


def test_cooccurrence_after_exclusions(tiny):
    c = {(a, b): n for a, b, n in rows(tiny, "SELECT * FROM relation_cooccurrence")}
    assert c == {("P106", "P19"): 2, ("P19", "P106"): 2, ("P106", "P69"): 2, ("P69", "P106"): 2,
                 ("P19", "P27"): 2, ("P27", "P19"): 2, ("P106", "P27"): 1, ("P27", "P106"): 1,
                 ("P27", "P69"): 1, ("P69", "P27"): 1}


def test_chosen_relations_pairs_and_directions(tiny):
    assert rows(tiny, "SELECT relation_id, label, name, role, partner_id, pair_id, choice_rank FROM relations "
                      "ORDER BY choice_rank") == [
        ("P106", "occupation", "occupation", "downstream", "P69", 1, 0),
        ("P19", "place of birth", "place_of_birth", "upstream", "P27", 0, 1),
        ("P69", "educated at", "educated_at", "upstream", "P106", 1, 2),
        ("P27", "country of citizenship", "country_of_citizenship", "downstream", "P19", 0, 3)]
    pairs = rows(tiny, "SELECT * FROM relation_pairs ORDER BY pair_id")
    assert [p[:3] for p in pairs] == [(0, "P19", "P27"), (1, "P69", "P106")]
    assert pairs[0][3] == pytest.approx(1.0) and pairs[1][3] == pytest.approx(16 / 15)
    assert {p[4] for p in pairs} == {"paper_table2"}


def test_file_order_direction_makes_the_first_seen_relation_downstream(tmp_path):
    con = build(tmp_path, tiny_source(direction="file_order"))
    assert rows(con, "SELECT pair_id, upstream_id, downstream_id, direction_rule FROM relation_pairs ORDER BY 1") == [
        (0, "P69", "P106", "file_order"), (1, "P27", "P19", "file_order")]


def test_name_clash_keeps_the_first_id_and_drops_the_rest(tiny):
    assert rows(tiny, "SELECT entity_id FROM entities WHERE name = 'Sorbonne'") == [("O5",)]
    # O6's only fact went with it, which left S5 with one relation: S5 is gone too.
    assert rows(tiny, "SELECT count(*) FROM facts WHERE 'S5' IN (subject_id) OR 'O6' IN (object_id)") == [(0,)]
    assert rows(tiny, "SELECT duplicates_dropped FROM build_info") == [(1,)]


def test_exclusions_and_counts(tiny):
    assert rows(tiny, "SELECT n_triples_read, n_triples_kept, n_entities, n_subjects, n_objects, n_relations, "
                      "n_facts, seed, source FROM build_info") == [(20, 14, 10, 5, 5, 4, 11, None, "wikidata5m")]
    assert rows(tiny, "SELECT * FROM objects ORDER BY object_idx") == [
        ("O1", 0), ("O2", 1), ("O3", 2), ("O4", 3), ("O5", 4)]
    names = dict(rows(tiny, "SELECT entity_id, name FROM entities"))
    assert names["O1"] == "writer" and "Q5" not in names and "Q16521" not in names and "N1" not in names
    excluded = rows(tiny, "SELECT count(*) FROM facts WHERE relation_id IN ('P735', 'P131', 'P31', 'P999')")
    assert excluded == [(0,)]


def test_read_n_facts_reads_only_the_first_lines(tmp_path):
    con = build(tmp_path, tiny_source(read_n_facts=5, n_relations=2))
    assert rows(con, "SELECT n_triples_read, n_triples_kept, n_facts FROM build_info") == [(5, 5, 4)]
    assert rows(con, "SELECT relation_id FROM relations ORDER BY choice_rank") == [("P106",), ("P19",)]


def test_gzip_input_gives_the_same_world(tmp_path, tiny):
    folder = tmp_path / "gz"
    folder.mkdir()
    for name in ("triples.tsv", "entities.tsv", "relations.tsv"):
        with (TINY / name).open("rb") as src, gzip.open(folder / f"{name}.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
    source = WikidataSource(triples=folder / "triples.tsv.gz", entities=folder / "entities.tsv.gz",
                            relations=folder / "relations.tsv.gz", n_relations=4)
    con = build(tmp_path, source, "gz.duckdb")
    for table in ("facts", "entities", "relations", "relation_pairs", "objects", "relation_cooccurrence"):
        assert rows(con, f"SELECT * FROM {table} ORDER BY ALL") == rows(tiny, f"SELECT * FROM {table} ORDER BY ALL")


def test_named_relations_replace_the_greedy_choice(tmp_path):
    con = build(tmp_path, tiny_source(relation_ids=["P27", "P106"]))
    assert rows(con, "SELECT relation_id, role, choice_rank FROM relations ORDER BY choice_rank") == [
        ("P27", "upstream", 0), ("P106", "downstream", 1)]  # P106 appears first in the file
    assert rows(con, "SELECT subject_id FROM facts") == [("S1",), ("S1",)]


def test_every_table_and_column_has_a_comment(tiny):
    for table in TABLES:
        assert tiny.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0]
        missing = rows(tiny, f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}' "
                             "AND (comment IS NULL OR comment = '')")
        assert missing == [], (table, missing)


def write_files(folder: Path, triples: str, entities: str | None = None, relations: str | None = None) -> WikidataSource:
    folder.mkdir(exist_ok=True)
    (folder / "triples.tsv").write_text(triples)
    (folder / "entities.tsv").write_text(entities or (TINY / "entities.tsv").read_text())
    (folder / "relations.tsv").write_text(relations or (TINY / "relations.tsv").read_text())
    return tiny_source(folder)


@pytest.mark.parametrize("text, line", [("S1\tP106\tO1\nS1\tP19\n", 2), ("S1\tP106\tO1\nS1\tP19\tO2\tO3\n", 2),
                                        ("S1\tP106\tO1\n\nS1\tP19\tO2\n", 2), ("S1\t\tO1\n", 1)])
def test_malformed_triples_line_names_file_and_line(tmp_path, text, line):
    source = write_files(tmp_path / "in", text)
    with pytest.raises(InputFileError) as err:
        build_world(tmp_path / "w.duckdb", source)
    assert f"triples.tsv, line {line}:" in err.value.message and "3 tab-separated fields" in err.value.message
    assert not (tmp_path / "w.duckdb").exists()
    assert list(tmp_path.glob(".*building*")) == []


def test_malformed_entities_line_names_file_and_line(tmp_path):
    source = write_files(tmp_path / "in", (TINY / "triples.tsv").read_text(), entities="S1\tAda\n\tnobody\n")
    with pytest.raises(InputFileError, match=r"entities.tsv, line 2:"):
        build_world(tmp_path / "w.duckdb", source)


def test_missing_file_is_an_input_error(tmp_path):
    source = WikidataSource(triples=tmp_path / "nope.tsv", entities=TINY / "entities.tsv",
                            relations=TINY / "relations.tsv")
    with pytest.raises(InputFileError, match="nope.tsv does not exist"):
        build_world(tmp_path / "w.duckdb", source)


def test_nothing_left_after_exclusions_is_an_error(tmp_path):
    source = write_files(tmp_path / "in", "S1\tP735\tO1\nS2\tP106\tQ5\n")
    with pytest.raises(KgeditError, match="No triples are left"):
        build_world(tmp_path / "w.duckdb", source)


def test_fewer_cooccurring_relations_than_asked_is_an_error(tmp_path):
    with pytest.raises(KgeditError, match="asked for 10") as err:
        build_world(tmp_path / "w.duckdb", tiny_source(n_relations=10))
    assert "--n-relations 4" in err.value.hint


def test_a_failed_build_keeps_the_old_database(tmp_path):
    target = tmp_path / "w.duckdb"
    build_world(target, tiny_source())
    before = target.read_bytes()
    with pytest.raises(KgeditError):
        build_world(target, tiny_source(n_relations=10), overwrite=True)
    assert target.read_bytes() == before


def test_same_inputs_give_identical_tables(tmp_path, tiny):
    again = build(tmp_path, tiny_source(), "again.duckdb")
    for table in TABLES:
        assert rows(again, f"SELECT * FROM {table} ORDER BY ALL") == rows(tiny, f"SELECT * FROM {table} ORDER BY ALL")


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.tsv")
    return folder / "pipe.tsv"


@pytest.mark.parametrize("role", ["triples", "entities", "relations"])
@pytest.mark.parametrize("make, said", [(lambda folder: folder, "is a directory, not a file"),
                                        (_fifo, "is a FIFO (named pipe), not a regular file"),
                                        (lambda folder: Path(os.devnull), "is a character device, not a regular file")])
def test_an_input_path_that_is_no_regular_file_says_what_it_is(tmp_path, role, make, said):
    # /dev/null is refused too: it only ever reads as an empty file, which no role can use.
    bad = make(tmp_path)
    files = {"triples": TINY / "triples.tsv", "entities": TINY / "entities.tsv", "relations": TINY / "relations.tsv"}
    source = WikidataSource(**{**files, role: bad}, n_relations=4)
    with pytest.raises(InputFileError) as err:  # a FIFO must not block the build: nothing opens it
        build_world(tmp_path / "w.duckdb", source)
    assert err.value.message == f"The {role} file {bad} {said}."
    assert "does not exist" not in err.value.message and err.value.hint
    assert not (tmp_path / "w.duckdb").exists()


def _gzip_copy(folder: Path, damage) -> Path:
    folder.mkdir(exist_ok=True)
    data = bytearray(gzip.compress((TINY / "triples.tsv").read_bytes()))
    path = folder / "triples.tsv.gz"
    path.write_bytes(bytes(damage(data)))
    return path


def _flip_crc(data: bytearray) -> bytearray:
    data[-8] ^= 0xFF  # the CRC-32 of the trailer: the deflate stream itself stays valid
    return data


@pytest.mark.parametrize("damage, said", [(_flip_crc, "CRC check failed"),
                                          (lambda data: data[:-6], "end-of-stream marker"),
                                          (lambda data: data[: len(data) // 2], "end-of-stream marker")])
def test_a_damaged_gzip_is_an_error_naming_the_file(tmp_path, damage, said):
    path = _gzip_copy(tmp_path / "in", damage)
    source = tiny_source()
    with pytest.raises(InputFileError) as err:
        build_world(tmp_path / "w.duckdb", WikidataSource(triples=path, entities=source.entities,
                                                          relations=source.relations, n_relations=4))
    assert f"The triples file {path} is a damaged gzip" in err.value.message and said in err.value.message
    assert not (tmp_path / "w.duckdb").exists()


def test_a_damaged_gzip_fails_even_when_only_its_start_is_read(tmp_path):
    path = _gzip_copy(tmp_path / "in", _flip_crc)
    source = tiny_source()
    with pytest.raises(InputFileError, match="damaged gzip"):
        build_world(tmp_path / "w.duckdb", WikidataSource(triples=path, entities=source.entities,
                                                          relations=source.relations, n_relations=2, read_n_facts=5))


def test_a_gzip_is_recognised_by_its_content_not_its_name(tmp_path, tiny):
    path = _gzip_copy(tmp_path / "in", lambda data: data)
    named_plain = path.rename(path.with_name("triples.tsv"))
    source = tiny_source()
    con = build(tmp_path, WikidataSource(triples=named_plain, entities=source.entities, relations=source.relations,
                                         n_relations=4), "gz.duckdb")
    assert rows(con, "SELECT * FROM facts ORDER BY ALL") == rows(tiny, "SELECT * FROM facts ORDER BY ALL")


def test_duplicate_ids_keep_the_first_line_and_are_counted(tmp_path, tiny):
    entities = (TINY / "entities.tsv").read_text()
    relations = (TINY / "relations.tsv").read_text()
    first_two = "".join(entities.splitlines(keepends=True)[:2])
    renamed = "\n".join(f"{line.split(chr(9))[0]}\tsomething else" for line in first_two.splitlines()) + "\n"
    source = write_files(tmp_path / "in", (TINY / "triples.tsv").read_text(), entities=entities + renamed + renamed,
                         relations=relations + relations.splitlines(keepends=True)[0])
    con = build(tmp_path, source, "dup.duckdb")
    assert rows(con, "SELECT duplicate_entity_ids, duplicate_relation_ids FROM build_info") == [(2, 1)]
    assert rows(tiny, "SELECT duplicate_entity_ids, duplicate_relation_ids FROM build_info") == [(0, 0)]
    for table in ("facts", "entities", "relations"):
        assert rows(con, f"SELECT * FROM {table} ORDER BY ALL") == rows(tiny, f"SELECT * FROM {table} ORDER BY ALL")
