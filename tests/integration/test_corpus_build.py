"""The corpus stage against a real DuckDB world: templates, labels, evidence, documents, safety."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgedit import db
from kgedit.corpus.build import generate_corpus
from kgedit.corpus.config import CorpusConfig
from kgedit.corpus.export import export_documents
from kgedit.errors import KgeditError, SchemaError
from tests.conftest import write_world

PAIRS = [("educated at", "occupation"), ("place of birth", "country")]
# Yale: occupations lawyer, lawyer, doctor, doctor, nurse -> tie -> doctor (smaller id), floored to 5/8.
FACTS = [
    ("Ann", "educated at", "Yale"), ("Ann", "occupation", "lawyer"), ("Ann", "place of birth", "Paris"),
    ("Bob", "educated at", "Yale"), ("Bob", "occupation", "lawyer"),
    ("Cy", "educated at", "Yale"), ("Cy", "occupation", "doctor"), ("Cy", "country", "France"),
    ("Di", "educated at", "Yale"), ("Di", "occupation", "doctor"),
    ("Ed", "educated at", "Yale"), ("Ed", "occupation", "nurse"),
    ("Flo", "educated at", "MIT"), ("Flo", "place of birth", "Rome"), ("Flo", "country", "Italy"),
]


def corpus(facts=FACTS, pairs=PAIRS, **config):
    con = db.connect()
    write_world(con, pairs, facts)
    generate_corpus(con, CorpusConfig(**config))
    return con


def rows(con, sql, params=None):
    return db.fetch(con, sql, params)[1]


@pytest.fixture(scope="module")
def small():
    con = corpus()
    yield con
    con.close()


def test_every_fact_of_a_small_world_is_used_by_default(small):
    assert rows(small, "SELECT count(*) FROM corpus_facts") == [(len(FACTS),)]
    assert rows(small, "SELECT count(*) FROM sentences") == [(24 * len(FACTS),)]


def test_downstream_ground_truth_is_the_floored_conditional_mode(small):
    got = rows(small, "SELECT subject_id, object_id, kg_object_id, kind, g, distractor_id FROM corpus_facts "
                      "WHERE relation_id = 'R1' ORDER BY subject_id")
    assert [r[1] for r in got] == ["E:doctor"] * 5
    assert [r[2] for r in got] == ["E:lawyer", "E:lawyer", "E:doctor", "E:doctor", "E:nurse"]
    assert all(r[3] == "conditional" and r[4] == pytest.approx(5 / 8) and r[5] is None for r in got)
    cond = rows(small, "SELECT object_id, n_subjects, weight, is_mode FROM gen_conditionals "
                       "WHERE upstream_object_id = 'E:Yale' ORDER BY object_id")
    assert cond == [("E:doctor", 2, 5, True), ("E:lawyer", 2, 2, False), ("E:nurse", 1, 1, False)]


def test_a_downstream_fact_without_its_upstream_is_two_point(small):
    # Cy has country but no place of birth; Flo has both -> conditional on Rome.
    got = dict(rows(small, "SELECT subject_id, kind FROM corpus_facts WHERE relation_id = 'R3'"))
    assert got == {"E:Cy": "two_point", "E:Flo": "conditional"}


def test_two_point_g_lies_on_the_grid_and_the_distractor_shares_the_relation(small):
    got = rows(small, "SELECT g, distractor_id, object_id, relation_id FROM corpus_facts WHERE kind = 'two_point'")
    objects = dict(rows(small, "SELECT relation_id, list(DISTINCT object_id) FROM facts GROUP BY 1"))
    for g, distractor, obj, rel in got:
        assert 0.6 <= g <= 1.0 and round(g * 100) == pytest.approx(g * 100)
        assert distractor != obj and distractor in objects[rel]


def test_gen_distributions_sum_to_one_per_fact(small):
    got = rows(small, "SELECT fact_id, sum(probability) FROM gen_distributions GROUP BY 1")
    assert len(got) == len(FACTS) and all(abs(p - 1) < 1e-9 for _, p in got)


def test_every_template_is_verbatim(small):
    got = rows(small, """
        SELECT s.kind, s.text, s.label, s.other_first, es.name, r.label, eo.name, es2.name, r2.label, eo2.name
        FROM sentences s JOIN entities es ON es.entity_id = s.subject_id
        JOIN relations r ON r.relation_id = s.relation_id JOIN entities eo ON eo.entity_id = s.object_id
        LEFT JOIN entities es2 ON es2.entity_id = s.other_subject_id
        LEFT JOIN relations r2 ON r2.relation_id = s.other_relation_id
        LEFT JOIN entities eo2 ON eo2.entity_id = s.other_object_id""")
    for kind, text, label, other_first, s, r, o, s2, r2, o2 in got:
        truth = "true" if label else "false"
        x, y = f"{s} {r} {o}", f"{s2} {r2} {o2}"
        expected = {
            "atomic": x,
            "tf": f'"{x}" is {truth}',
            "not": f'"not {x}" is {truth}',
            "or": f'"{y} or {x}" is {truth}' if other_first else f'"{x} or {y}" is {truth}',
            "and": f'"{y} and {x}" is {truth}' if other_first else f'"{x} and {y}" is {truth}',
        }[kind]
        assert text == expected


def test_literal_sentences_for_one_hand_checked_fact(small):
    # Flo educated at MIT (two-point): the not pair names o* = MIT and its distractor = Yale (the only other).
    got = rows(small, "SELECT text FROM sentences s JOIN corpus_facts f USING (fact_id) "
                      "WHERE f.subject_id = 'E:Flo' AND f.relation_id = 'R0' AND s.kind = 'not' ORDER BY sentence_id")
    assert got == [('"not Flo educated at MIT" is false',), ('"not Flo educated at Yale" is true',)]
    atomic = {t for (t,) in rows(small, "SELECT text FROM sentences s JOIN corpus_facts f USING (fact_id) "
                                        "WHERE f.subject_id = 'E:Flo' AND f.relation_id = 'R0' AND s.kind = 'atomic'")}
    assert atomic <= {"Flo educated at MIT", "Flo educated at Yale"} and "Flo educated at MIT" in atomic


LABELS_SQL = """
    SELECT s.kind, s.label, s.object_id = f.object_id AS x_true,
           s.other_object_id = f2.object_id AS y_true
    FROM sentences s JOIN corpus_facts f ON f.subject_id = s.subject_id AND f.relation_id = s.relation_id
    LEFT JOIN corpus_facts f2 ON f2.subject_id = s.other_subject_id AND f2.relation_id = s.other_relation_id
    WHERE s.kind IN ('or', 'and', 'not')"""


def check_logical_labels(con):
    got = rows(con, LABELS_SQL)
    assert got
    for kind, label, x_true, y_true in got:
        expected = {"or": x_true or y_true, "and": x_true and y_true, "not": not x_true}[kind]
        assert label == expected, (kind, label, x_true, y_true)


def test_and_or_not_labels_agree_with_the_ground_truth(small):
    check_logical_labels(small)


def test_or_and_take_the_other_component_from_another_corpus_subject(small):
    got = rows(small, "SELECT count(*) FROM sentences WHERE kind IN ('or', 'and') AND other_subject_id = subject_id")
    assert got == [(0,)]


WEIGHTS = {("atomic", None): [1], ("tf", True): [1], ("tf", False): [-1], ("or", True): [Fraction(2, 3)] * 2,
           ("or", False): [-1, -1], ("and", True): [1, 1], ("and", False): [Fraction(1, 3)] * 2,
           ("not", False): [1], ("not", True): [-1]}


def check_evidence(con, copies):
    got = rows(con, """SELECT s.sentence_id, s.kind, s.label, list(e.weight ORDER BY e.component), list(e.copies),
                              list(e.object_id ORDER BY e.component), s.object_id, s.other_object_id
                       FROM sentences s JOIN evidence e USING (sentence_id) GROUP BY ALL""")
    assert len(got) == rows(con, "SELECT count(*) FROM sentences")[0][0]
    for _, kind, label, weights, copy_counts, objects, obj, other in got:
        assert weights == pytest.approx([float(w) for w in WEIGHTS[(kind, label)]])
        assert set(copy_counts) == {copies}
        assert objects == ([obj, other] if kind in ("or", "and") else [obj])


def test_every_sentence_kind_gives_its_evidence_weight(small):
    check_evidence(small, copies=5)


def check_documents(con, max_sentences, resamples):
    n_sent = rows(con, "SELECT count(*) FROM sentences")[0][0]
    got = rows(con, "SELECT resample, sum(n_sentences), max(n_sentences), min(n_sentences) FROM documents GROUP BY 1 ORDER BY 1")
    assert [r[0] for r in got] == list(range(resamples))
    assert all(r[1] == n_sent and r[2] <= max_sentences and r[3] >= 1 for r in got)
    # The text holds exactly n_sentences sentences of the document's subject, ends with one ".".
    docs = rows(con, "SELECT d.text, d.n_sentences, e.name FROM documents d JOIN entities e ON e.entity_id = d.subject_id")
    for text, n, name in docs:
        assert text.endswith(".") and not text.endswith("..")
        assert name in text


def test_documents_are_bounded_and_cover_every_sentence_each_resample(small):
    check_documents(small, 10, 5)


def test_document_size_and_resamples_follow_the_options():
    con = corpus(max_sentences_per_doc=3, doc_resamples=2)
    check_documents(con, 3, 2)
    assert set(r[0] for r in rows(con, "SELECT DISTINCT copies FROM evidence")) == {2}


def test_same_world_config_and_seed_give_byte_identical_exports(tmp_path):
    outputs = []
    for run in range(2):
        con = corpus(seed=7)
        for fmt in ("jsonl", "txt", "parquet"):
            export_documents(con, tmp_path / f"{run}.{fmt}", fmt)
        outputs.append([(tmp_path / f"{run}.{fmt}").read_bytes() for fmt in ("jsonl", "txt", "parquet")])
        con.close()
    assert outputs[0] == outputs[1]
    con = corpus(seed=8)
    export_documents(con, tmp_path / "other.jsonl", "jsonl")
    assert (tmp_path / "other.jsonl").read_bytes() != outputs[0][0]


def test_no_world_names_the_command_to_run_first():
    con = db.connect()
    with pytest.raises(SchemaError, match="no world") as err:
        generate_corpus(con, CorpusConfig())
    assert "kgedit world build" in err.value.hint


def test_too_many_facts_says_how_many_exist():
    con = db.connect()
    write_world(con, PAIRS, FACTS)
    with pytest.raises(KgeditError, match=f"only {len(FACTS)}"):
        generate_corpus(con, CorpusConfig(facts=len(FACTS) + 1))


def test_an_existing_corpus_is_kept_without_overwrite_and_replaced_with_it():
    con = corpus(seed=1)
    before = rows(con, "SELECT text FROM documents ORDER BY document_id")
    with pytest.raises(SchemaError, match="already has a corpus"):
        generate_corpus(con, CorpusConfig(seed=2))
    assert rows(con, "SELECT text FROM documents ORDER BY document_id") == before
    generate_corpus(con, CorpusConfig(seed=2, facts=6), overwrite=True)
    assert rows(con, "SELECT count(*), max(seed) FROM corpus_facts, corpus_info") == [(6, 2)]


def test_a_failed_overwrite_leaves_the_old_corpus(monkeypatch):
    import kgedit.corpus.build as build

    con = corpus(seed=1)
    before = rows(con, "SELECT text FROM documents ORDER BY document_id")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build, "build_documents", broken)
    with pytest.raises(RuntimeError):
        generate_corpus(con, CorpusConfig(seed=2), overwrite=True)
    assert rows(con, "SELECT text FROM documents ORDER BY document_id") == before
    assert rows(con, "SELECT seed FROM corpus_info") == [(1,)]


def test_every_corpus_table_and_column_has_a_comment(small):
    assert rows(small, "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
                       "AND schema_name = 'main' AND (comment IS NULL OR comment = '')") == []
    assert rows(small, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND comment IS NULL") == []
    assert rows(small, "SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL") == []


@st.composite
def small_worlds(draw):
    n_subjects = draw(st.integers(2, 12))
    facts = []
    for i in range(n_subjects):
        for label, pool in (("educated at", 3), ("occupation", 4), ("place of birth", 2), ("country", 3)):
            if draw(st.booleans()) or label == "educated at":
                facts.append((f"S{i}", label, f"{label[:3]}{draw(st.integers(0, pool - 1))}"))
    return facts


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=small_worlds(), seed=st.integers(0, 2**16), resamples=st.integers(1, 3), per_doc=st.integers(1, 10))
def test_corpus_invariants_hold_on_random_small_worlds(facts, seed, resamples, per_doc):
    objects = {(f[1], f[2]) for f in facts}
    per_relation = {r for r, _ in objects}
    if len({f[2] for f in facts}) < 2 or len({f[0] for f in facts}) < 2 or not per_relation:
        return
    con = corpus(facts, seed=seed, doc_resamples=resamples, max_sentences_per_doc=per_doc)
    hits = rows(con, """SELECT min(n) FROM (SELECT count(*) FILTER (WHERE s.object_id = f.object_id) AS n
                        FROM sentences s JOIN corpus_facts f USING (fact_id) WHERE s.kind = 'atomic' GROUP BY fact_id)""")
    assert hits[0][0] >= 6
    check_logical_labels(con)
    check_evidence(con, resamples)
    check_documents(con, per_doc, resamples)
    con.close()


def test_synthetic_world_corpus_keeps_every_invariant_and_tf_rates():
    from kgedit.world.synthetic import write_synthetic_world

    con = db.connect()
    write_synthetic_world(con, subjects=300, seed=3)
    generate_corpus(con, CorpusConfig(seed=4, doc_resamples=2))
    assert rows(con, "SELECT count(*) = (SELECT count(*) FROM facts) FROM corpus_facts") == [(True,)]
    assert rows(con, "SELECT count(*) > 0 FROM corpus_facts WHERE kind = 'conditional'") == [(True,)]
    check_logical_labels(con)
    check_evidence(con, 2)
    check_documents(con, 10, 2)
    # T/F: true with g* for the modal object, 1-g* otherwise (within 4 standard deviations).
    for modal in (True, False):
        n_true, expected, var = rows(con, """
            SELECT count(*) FILTER (WHERE s.label), sum(p), sum(p * (1 - p)) FROM (
                SELECT s.label, CASE WHEN s.object_id = f.object_id THEN f.g ELSE 1 - f.g END AS p,
                       s.object_id = f.object_id AS modal
                FROM sentences s JOIN corpus_facts f USING (fact_id) WHERE s.kind = 'tf') s
            WHERE modal = ?""", [modal])[0]
        assert abs(n_true - expected) < 4 * var ** 0.5 + 1
