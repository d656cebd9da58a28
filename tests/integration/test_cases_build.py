"""kgedit cases generate on the synthetic world: structure, the 0.8 downstream rule, targets, modes,
flags, determinism, atomic overwrite."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from kgedit import db
from kgedit.bayes.beliefs import edit_targets
from kgedit.bayes.edits import edit_weights
from kgedit.cases.build import generate_cases
from kgedit.cases.config import CasesConfig
from kgedit.corpus.build import generate_corpus
from kgedit.corpus.config import CorpusConfig
from kgedit.errors import KgeditError, SchemaError
from kgedit.world.synthetic import write_synthetic_world

SUBJECTS = 1000
N_CASES = 1000


def _world(path=None, subjects=SUBJECTS):
    con = db.connect(path)
    write_synthetic_world(con, subjects=subjects, seed=1)
    generate_corpus(con, CorpusConfig(seed=1))
    return con


@pytest.fixture(scope="module")
def con():
    con = _world()
    generate_cases(con, CasesConfig(n=N_CASES, seed=0))
    yield con
    con.close()


def rows(con, sql, params=None):
    return db.fetch(con, sql, params)[1]


def test_every_case_has_its_probes_from_distinct_training_subjects(con):
    assert rows(con, "SELECT count(*), count(DISTINCT subject_id) FROM cases") == [(N_CASES, N_CASES)]
    assert rows(con, "SELECT count(*) FROM cases WHERE subject_id NOT IN (SELECT subject_id FROM corpus_facts)") == [(0,)]
    assert rows(con, "SELECT count(*) FROM case_probes") == [(N_CASES * 16,)]
    assert rows(con, "SELECT count(*) FROM case_logical_probes") == [(N_CASES * 6,)]
    bad = rows(con, """
        SELECT count(*) FROM case_probes p JOIN cases c USING (case_id)
        WHERE NOT CASE p.probe WHEN 's1r1' THEN p.subject_id = c.subject_id AND p.relation_id = c.relation_id
                               WHEN 's1r2' THEN p.subject_id = c.subject_id AND p.relation_id = c.second_relation_id
                               WHEN 's2r1' THEN p.subject_id = c.other_subject_id AND p.relation_id = c.relation_id
                               ELSE p.subject_id = c.other_subject_id AND p.relation_id = c.second_relation_id END""")
    assert bad == [(0,)]
    # s2 differs from s1 and is a training subject with both relations; r2 differs from r1.
    assert rows(con, """
        SELECT count(*) FROM cases c WHERE c.other_subject_id = c.subject_id OR c.second_relation_id = c.relation_id
           OR NOT EXISTS (SELECT 1 FROM corpus_facts f WHERE f.subject_id = c.other_subject_id AND f.relation_id = c.relation_id)
           OR NOT EXISTS (SELECT 1 FROM corpus_facts f WHERE f.subject_id = c.other_subject_id AND f.relation_id = c.second_relation_id)
           OR NOT EXISTS (SELECT 1 FROM corpus_facts f WHERE f.subject_id = c.subject_id AND f.relation_id = c.second_relation_id)
        """) == [(0,)]
    # Ground-truth rows carry the corpus o* of their (s, r); requested rows the case's o_req.
    assert rows(con, """
        SELECT count(*) FROM case_probes p JOIN cases c USING (case_id)
        LEFT JOIN corpus_facts f ON f.subject_id = p.subject_id AND f.relation_id = p.relation_id
        WHERE (p.role = 'ground_truth' AND p.object_id IS DISTINCT FROM f.object_id)
           OR (p.role = 'requested' AND p.object_id <> c.requested_object_id)
           OR (p.role = 'post_mode' AND p.object_id <> p.mode_post_id)
           OR (p.role = 'post_mode_n' AND p.object_id <> p.mode_post_n_id)""") == [(0,)]


def test_linked_cases_probe_the_downstream_relation(con):
    linked = rows(con, """
        SELECT c.linked, r.role = 'upstream' AND c.second_relation_id = r.partner_id
               AND EXISTS (SELECT 1 FROM corpus_facts f WHERE f.subject_id = c.subject_id AND f.relation_id = r.partner_id)
        FROM cases c JOIN relations r USING (relation_id)""")
    assert all(a == b for a, b in linked)
    assert sum(a for a, _ in linked) > 100


def _conditional_modes(con):
    return dict(((p, u), m) for p, u, m in rows(con, """
        SELECT pair_id, upstream_value, first(object_id ORDER BY round(count, 9) DESC, object_id)
        FROM bayes_conditionals WHERE count > 0 GROUP BY ALL"""))


def test_downstream_change_requests_point_to_a_conditional_whose_mode_differs(con):
    modes = _conditional_modes(con)
    cases = rows(con, """
        SELECT r.pair_id, c.requested_object_id, c.downstream_mode_pre_id, c.request_rule, c.linked,
               c.requested_object_id IN (c.object_id, c.false_object_id)
        FROM cases c JOIN relations r USING (relation_id)""")
    changed = [c for c in cases if c[3] == "downstream_change"]
    assert changed and all(c[4] for c in changed)
    for pair, u, current, *_ in changed:
        assert (pair, u) in modes and modes[pair, u] != current
    assert all(c[5] for c in cases if c[3] != "downstream_change")
    # The rule fires with probability 0.8 on linked cases that have a candidate value.
    eligible = [c for c in cases if c[4] and any(p == c[0] and m != c[2] for (p, _), m in modes.items())]
    k, n = sum(c[3] == "downstream_change" for c in eligible), len(eligible)
    assert abs(k / n - 0.8) < 3.5 * math.sqrt(0.16 / n), (k, n)
    # The 50/50 rule elsewhere.
    other = [c for c in cases if not c[4]]
    share = sum(c[3] == "reinforce" for c in other) / len(other)
    assert abs(share - 0.5) < 3.5 * math.sqrt(0.25 / len(other))


def test_downstream_changes_are_far_more_common_under_the_rule(con):
    (rule, other), = rows(con, """
        SELECT avg(downstream_answer_changes::DOUBLE) FILTER (WHERE request_rule = 'downstream_change'),
               avg(downstream_answer_changes::DOUBLE) FILTER (WHERE linked AND request_rule = 'reinforce')
        FROM cases""")
    assert rule > 0.5 and rule > other
    assert rows(con, "SELECT count(*) FROM cases WHERE NOT linked AND downstream_answer_changes") == [(0,)]


def test_flags_agree_with_targets(con):
    assert rows(con, """
        SELECT count(*) FROM cases c JOIN case_probes p ON p.case_id = c.case_id AND p.probe = 's1r2'
                                      AND p.role = 'ground_truth'
        WHERE c.downstream_answer_changes <> (p.mode_pre_id <> p.mode_post_id)
           OR c.downstream_answer_changes_n <> (p.mode_pre_id <> p.mode_post_n_id)
           OR c.downstream_mode_pre_id <> p.mode_pre_id
           OR c.reinforces <> (c.requested_object_id = c.object_id)""") == [(0,)]
    # post_mode carries the largest p_n_prime among the probe's rows; requested s1r1 reaches the target.
    assert rows(con, """
        SELECT count(*) FROM case_probes p
        JOIN (SELECT case_id, probe, max(p_n_prime) AS top FROM case_probes GROUP BY ALL) t USING (case_id, probe)
        WHERE p.role = 'post_mode' AND p.p_n_prime < t.top - 1e-12""") == [(0,)]
    assert rows(con, """SELECT min(p_n_prime) >= 0.95 - 1e-12 FROM case_probes
                        WHERE probe = 's1r1' AND role = 'requested'""") == [(True,)]


def test_targets_equal_direct_edit_targets(con):
    probes = con.sql("""
        SELECT row_number() OVER (ORDER BY p.case_id, p.probe, p.role) - 1 AS probe_id, p.case_id AS edit_id,
               p.subject_id, p.relation_id, p.object_id, p.p_pre, p.p_n_prime, p.p_n, p.belief_pre, p.belief_post
        FROM case_probes p WHERE p.case_id % 37 = 0 ORDER BY probe_id""").to_arrow_table()
    edits = con.sql("""SELECT case_id::BIGINT AS edit_id, subject_id, relation_id, requested_object_id AS object_id
                       FROM cases WHERE case_id % 37 = 0""").to_arrow_table()
    got = edit_targets(con, edits, probes.select(["probe_id", "edit_id", "subject_id", "relation_id", "object_id"]))
    for col in ("p_pre", "p_n_prime", "p_n"):
        np.testing.assert_allclose(np.asarray(got[col]), np.asarray(probes[col]), rtol=0, atol=1e-12)
    assert got["belief_pre"].to_pylist() == probes["belief_pre"].to_pylist()
    weights = edit_weights(con, edits)
    stored = dict(rows(con, "SELECT case_id, n_prime FROM cases WHERE case_id % 37 = 0"))
    assert {int(e): float(w) for e, w in zip(weights["edit_id"].to_pylist(), weights["n_prime"].to_pylist())} == stored


def test_modal_objects_equal_a_search_over_all_objects(con):
    keys = rows(con, """SELECT DISTINCT p.case_id, p.probe, p.subject_id, p.relation_id, p.mode_pre_id, p.mode_post_id,
                               p.mode_post_n_id FROM case_probes p WHERE p.case_id % 23 = 0 ORDER BY ALL""")
    objects = [o for (o,) in rows(con, "SELECT object_id FROM objects ORDER BY object_id")]
    edits = con.sql("""SELECT case_id::BIGINT AS edit_id, subject_id, relation_id, requested_object_id AS object_id
                       FROM cases WHERE case_id % 23 = 0""").to_arrow_table()
    probes = pa.table({
        "probe_id": np.arange(len(keys) * len(objects), dtype=np.int64),
        "edit_id": np.repeat([k[0] for k in keys], len(objects)).astype(np.int64),
        "subject_id": np.repeat([k[2] for k in keys], len(objects)),
        "relation_id": np.repeat([k[3] for k in keys], len(objects)),
        "object_id": np.tile(objects, len(keys)),
    })
    got = edit_targets(con, edits, probes)
    for col, want in (("p_pre", 4), ("p_n_prime", 5), ("p_n", 6)):
        p = np.round(np.asarray(got[col]).reshape(len(keys), len(objects)), 12)
        best = [objects[int(np.flatnonzero(row == row.max())[0])] for row in p]  # ties: smallest id
        assert best == [k[want] for k in keys], col


def test_logical_probe_targets_follow_from_t_a_and_t_b(con):
    assert rows(con, """
        SELECT count(*) FROM case_logical_probes l JOIN cases c USING (case_id)
        WHERE l.a_sentence <> c.edit_sentence
           OR (l.kind = 'tf_a' AND l.prompt <> '"' || c.edit_sentence || '" is')
           OR (l.kind = 'not_a' AND l.prompt <> '"not ' || c.edit_sentence || '" is')
           OR (l.kind = 'and_ab' AND l.prompt <> '"' || l.a_sentence || ' and ' || l.b_sentence || '" is')
           OR (l.kind = 'or_ba' AND l.prompt <> '"' || l.b_sentence || ' or ' || l.a_sentence || '" is')
           OR l.b_subject_id = c.subject_id""") == [(0,)]
    tf = dict(((c, k), (pre, np_, n)) for c, k, pre, np_, n in rows(
        con, "SELECT case_id, kind, p_true_pre, p_true_n_prime, p_true_n FROM case_logical_probes"))
    req = dict((c, (pre, np_, n)) for c, pre, np_, n in rows(con, """
        SELECT case_id, p_pre, p_n_prime, p_n FROM case_probes WHERE probe = 's1r1' AND role = 'requested'"""))
    for c in range(0, N_CASES, 50):
        for i in range(3):
            ta, tb = tf[c, "tf_a"][i], tf[c, "tf_b"][i]
            assert ta == req[c][i]
            assert tf[c, "not_a"][i] == pytest.approx(1 - ta, abs=1e-15)
            assert tf[c, "and_ab"][i] == tf[c, "and_ba"][i] == pytest.approx(ta * tb, abs=1e-15)
            assert tf[c, "or_ba"][i] == pytest.approx(ta + tb - ta * tb, abs=1e-15)
    # B is the true or false version of a corpus fact, as b_is_true says.
    assert rows(con, """
        SELECT count(*) FROM case_logical_probes l JOIN corpus_facts f
          ON f.subject_id = l.b_subject_id AND f.relation_id = l.b_relation_id
        WHERE l.b_object_id <> CASE WHEN l.b_is_true THEN f.object_id ELSE f.false_object_id END""") == [(0,)]


@pytest.mark.slow
def test_same_seed_gives_identical_tables_and_another_seed_differs(tmp_path):
    dumps = []
    for seed in (3, 3, 4):
        con = _world(subjects=400)
        generate_cases(con, CasesConfig(n=200, seed=seed))
        dumps.append({t: con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                      for t in ("cases", "case_probes", "case_logical_probes")})
        con.close()
    assert dumps[0] == dumps[1]
    assert dumps[0]["cases"] != dumps[2]["cases"]


def test_refuses_to_overwrite_and_too_many_cases_leaves_old_cases(tmp_path):
    con = _world(subjects=300)
    try:
        generate_cases(con, CasesConfig(n=20, seed=0))
        before = con.sql("SELECT * FROM cases ORDER BY case_id").fetchall()
        with pytest.raises(SchemaError, match="already has benchmark cases"):
            generate_cases(con, CasesConfig(n=20, seed=1))
        with pytest.raises(KgeditError, match="only 300 corpus subjects are eligible"):
            generate_cases(con, CasesConfig(n=301, seed=1), overwrite=True)
        assert con.sql("SELECT * FROM cases ORDER BY case_id").fetchall() == before
        summary = generate_cases(con, CasesConfig(n=30, seed=1), overwrite=True)
        assert summary.n_cases == 30 and not summary.fitted_automatically
        assert rows(con, "SELECT n_cases, seed, fitted_automatically FROM cases_info") == [(30, 1, False)]
    finally:
        con.close()


def test_every_cases_table_and_column_has_a_comment(con):
    missing = rows(con, """
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE table_name IN ('cases', 'case_probes', 'case_logical_probes', 'cases_info') AND comment IS NULL""")
    assert missing == []
    assert rows(con, """SELECT count(*) FROM duckdb_tables()
                        WHERE table_name IN ('cases', 'case_probes', 'case_logical_probes', 'cases_info')
                          AND comment IS NOT NULL""") == [(4,)]


def test_targets_are_the_same_bits_on_every_run_with_many_threads(con):
    """Float sums in sql/bayes_posterior.sql are ordered aggregates: parallel hash aggregation summed in
    thread order otherwise, and the last bits of a target changed from run to run (14 of 30 before)."""
    probes = con.sql("""
        SELECT row_number() OVER (ORDER BY p.case_id, p.probe, p.role) - 1 AS probe_id, p.case_id::BIGINT AS edit_id,
               p.subject_id, p.relation_id, p.object_id FROM case_probes p ORDER BY probe_id""").to_arrow_table()
    edits = con.sql("""SELECT case_id::BIGINT AS edit_id, subject_id, relation_id, requested_object_id AS object_id
                       FROM cases""").to_arrow_table()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 4")
    try:
        first = edit_targets(con, edits, probes)
        assert all(edit_targets(con, edits, probes).equals(first) for _ in range(15))
    finally:
        con.execute(f"SET threads = {int(threads)}")
