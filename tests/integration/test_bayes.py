"""The rational agent in SQL: hand-worked closed forms, sums to 1, edits as deltas, n', and the
three-way cross-check SQL = plain numpy (kgedit.bayes.dense) = pgmpy VariableElimination."""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction as F

import pyarrow as pa
import pytest

from kgedit import db
from kgedit.bayes import fit
from kgedit.bayes.beliefs import base_beliefs, edit_targets, scenario_beliefs
from kgedit.bayes.dense import DenseModel, evidence_rows
from kgedit.bayes.edits import edit_weights
from kgedit.errors import KgeditError, SchemaError
from tests.conftest import BAYES_EVIDENCE, BAYES_FACTS, BAYES_PAIRS, write_evidence, write_world

EDU, OCC, SPORT, TEAM = "R0", "R1", "R2", "R3"
OBJECTS = ["E:Lions", "E:MIT", "E:Yale", "E:architect", "E:lawyer", "E:tennis"]   # K = 6, alpha = 1/6


@pytest.fixture
def con(bayes_world):
    c = db.connect(bayes_world)
    yield c
    c.close()


def beliefs(con, probes, edit=None):
    """{(s, r, o): (belief, probability)} for probes under one optional edit (s, r, o, weight)."""
    s, r, o, w = edit or (None, None, None, 0.0)
    scenarios = pa.table({"scenario_id": [1], "subject_id": [s], "relation_id": [r], "object_id": [o],
                          "weight": [float(w)]})
    table = pa.table({"probe_id": list(range(len(probes))), "scenario_id": [1] * len(probes),
                      "subject_id": [p[0] for p in probes], "relation_id": [p[1] for p in probes],
                      "object_id": [p[2] for p in probes]})
    out = scenario_beliefs(con, scenarios, table).to_pylist()
    return {probes[row["probe_id"]]: (row["belief"], row["probability"]) for row in out}


def dense_model(con) -> DenseModel:
    objects = [r[0] for r in con.execute("SELECT object_id FROM objects ORDER BY object_idx").fetchall()]
    pairs = con.execute("SELECT upstream_id, downstream_id FROM relation_pairs ORDER BY pair_id").fetchall()
    rows = con.execute("SELECT subject_id, relation_id, object_id, weight, copies FROM evidence").fetchall()
    return DenseModel(objects, pairs, evidence_rows(rows))


def test_direct_beliefs_match_hand_arithmetic(con):
    got = beliefs(con, [("E:Ann", EDU, "E:Yale"), ("E:Ann", EDU, "E:MIT"), ("E:Bob", OCC, "E:lawyer"),
                        ("E:Bob", OCC, "E:tennis"), ("E:Dee", OCC, "E:architect"), ("E:Dee", OCC, "E:Yale")])
    # Ann educated_at: +1 on Yale, 2 copies -> n_Yale = 2, N = 2: (1/6 + 2) / 3 = 13/18; others (1/6)/3.
    assert got[("E:Ann", EDU, "E:Yale")] == ("direct", pytest.approx(13 / 18, abs=1e-12))
    assert got[("E:Ann", EDU, "E:MIT")][1] == pytest.approx(1 / 18, abs=1e-12)
    # Bob occupation: w=-1 spreads 1 over the other 5: uniform 1/5, lawyer -1/5, N = 1.
    # lawyer (1/6 + 1/5 - 1/5) / 2 = 1/12; any other (1/6 + 1/5) / 2 = 11/60.
    # Bob has upstream evidence, so his occupation TARGET is the marginal; its direct part is checked below.
    assert beliefs(con, [("E:Bob", OCC, "E:lawyer")])[("E:Bob", OCC, "E:lawyer")][0] == "marginal"
    direct = scenario_beliefs(con, pa.table({"scenario_id": [1], "subject_id": ["E:Bob"], "relation_id": [EDU],
                                     "object_id": ["E:Yale"], "weight": [0.0]}),
                      pa.table({"probe_id": [0, 1], "scenario_id": [1, 1], "subject_id": ["E:Bob"] * 2,
                                "relation_id": [OCC] * 2, "object_id": ["E:lawyer", "E:tennis"]})).to_pylist()
    assert direct[0]["direct"] == pytest.approx(1 / 12, abs=1e-12)
    assert direct[1]["direct"] == pytest.approx(11 / 60, abs=1e-12)
    # Dee occupation: w=1/3, 3 copies: each +1/3 on architect and 2/3 spread: uniform 3*(2/15) = 2/5,
    # architect 3*(1/3 - 2/15) = 3/5, N = 3: architect (1/6 + 2/5 + 3/5) / 4 = 7/24; others (1/6+2/5)/4 = 17/120.
    # Dee has no upstream evidence -> direct belief is the target.
    assert got[("E:Dee", OCC, "E:architect")] == ("direct", pytest.approx(7 / 24, abs=1e-12))
    assert got[("E:Dee", OCC, "E:Yale")][1] == pytest.approx(17 / 120, abs=1e-12)


def test_conditional_and_marginal_match_hand_arithmetic(con):
    # p(occupation | educated_at=Yale): Ann (share 1, architect +1, N 1) + Bob (share 1, uniform 1/5,
    # lawyer -1/5, N 1): count architect 1, lawyer -1/5, uniform 1/5, M = 2.
    # architect (1/6 + 1/5 + 1)/3 = 41/90; lawyer (1/6)/3 = 1/18; others (1/6 + 1/5)/3 = 11/90.
    grid = dict(((u, o), p) for u, o, p, _, _ in con.execute(
        db.load_sql("bayes_conditional_grid"), {"pair_id": 0, "upstream_values": ["E:Yale", "E:MIT"],
                                                "objects": None}).fetchall())
    assert grid[("E:Yale", "E:architect")] == pytest.approx(41 / 90, abs=1e-12)
    assert grid[("E:Yale", "E:lawyer")] == pytest.approx(1 / 18, abs=1e-12)
    assert grid[("E:Yale", "E:tennis")] == pytest.approx(11 / 90, abs=1e-12)
    assert grid[("E:MIT", "E:architect")] == pytest.approx(1 / 6, abs=1e-12)   # no data: prior mean 1/K
    # Cy: q(MIT) = (1/6 + 1)/2 = 7/12, q(u) = 1/12 for the 5 others (Yale among them).
    # p(architect | Cy, occupation) = q(Yale) 41/90 + (1 - q(Yale)) 1/6 = 41/1080 + 165/1080 = 103/540.
    # Ann: q(Yale) = 13/18 -> 13/18 * 41/90 + 5/18 * 1/6 = 152/405.
    got = beliefs(con, [("E:Cy", OCC, "E:architect"), ("E:Ann", OCC, "E:architect")])
    assert got[("E:Cy", OCC, "E:architect")] == ("marginal", pytest.approx(float(F(103, 540)), abs=1e-12))
    assert got[("E:Ann", OCC, "E:architect")] == ("marginal", pytest.approx(float(F(152, 405)), abs=1e-12))


def _all_probes(con):
    subjects = [r[0] for r in con.execute("SELECT DISTINCT subject_id FROM facts ORDER BY 1").fetchall()]
    return [(s, r, o) for s in subjects for r in (EDU, OCC, SPORT, TEAM) for o in OBJECTS]


def test_every_distribution_sums_to_one_over_all_k_objects(con):
    probes = _all_probes(con)
    for edit in (None, ("E:Ann", EDU, "E:MIT", 7.0), ("E:Bob", OCC, "E:architect", 1000.0)):
        got = beliefs(con, probes, edit)
        for s in {p[0] for p in probes}:
            for r in (EDU, OCC, SPORT, TEAM):
                assert sum(got[(s, r, o)][1] for o in OBJECTS) == pytest.approx(1.0, abs=1e-12)
    for u in OBJECTS:   # every shared conditional, including values without data
        rows = con.execute(db.load_sql("bayes_conditional_grid"),
                           {"pair_id": 0, "upstream_values": [u], "objects": None}).fetchall()
        assert sum(r[2] for r in rows) == pytest.approx(1.0, abs=1e-12)


EDITS = [None, ("E:Cy", EDU, "E:Yale", 35.0), ("E:Ann", EDU, "E:MIT", 1000.0), ("E:Bob", OCC, "E:architect", 3.0),
         ("E:Dee", EDU, "E:MIT", 2.0), ("E:Dee", OCC, "E:lawyer", 5.0), ("E:Eve", SPORT, "E:Yale", 1.0)]


@pytest.mark.parametrize("edit", EDITS)
def test_sql_equals_dense_numpy_for_every_probe(con, edit):
    model = dense_model(con)
    edited = model.with_edit(*edit) if edit else model
    got = beliefs(con, _all_probes(con), edit)
    for (s, r, o), (kind, p) in got.items():
        want_kind, want = edited.target(s, r, edited=(edit[0], edit[1]) if edit else None)
        assert kind == want_kind, (s, r, o)
        assert p == pytest.approx(want[model.index[o]], abs=1e-9), (s, r, o, edit)


def test_sql_equals_pgmpy_variable_elimination(con):
    from kgedit.bayes.network import OTHER, marginals, subject_nodes

    for subject in ("E:Ann", "E:Bob", "E:Cy", "E:Dee", "E:Eve"):
        nodes = subject_nodes(con, subject)
        ve = marginals(nodes)
        rel_id = dict(con.execute("SELECT name, relation_id FROM relations").fetchall())
        for node in nodes:
            named = [o for o in node.states if o != OTHER]
            got = beliefs(con, [(subject, rel_id[node.name], o) for o in named])
            for o in named:
                assert ve[node.name][o] == pytest.approx(got[(subject, rel_id[node.name], o)][1], abs=1e-9)
            assert sum(ve[node.name].values()) == pytest.approx(1.0, abs=1e-12)


def test_n_prime_closed_form_is_minimal(con):
    edits = pa.table({"edit_id": [1, 2, 3, 4], "subject_id": ["E:Cy", "E:Ann", "E:Bob", "E:Dee"],
                      "relation_id": [EDU, EDU, OCC, OCC], "object_id": ["E:Yale", "E:Yale", "E:lawyer", "E:MIT"]})
    rows = edit_weights(con, edits).to_pylist()
    # Cy/Yale: c = 1/6, mass 2: (1/6 + n)/(2 + n) >= 0.95 <=> 0.05 n >= 1.9 - 1/6 <=> n >= 34.67 -> 35.
    assert rows[0]["n_prime"] == 35
    model = dense_model(con)
    for row, (s, r, o) in zip(rows, zip(*(edits.column(c).to_pylist() for c in ("subject_id", "relation_id", "object_id")))):
        n = row["n_prime"]
        i = model.index[o]
        assert model.with_edit(s, r, o, n).direct(s, r)[i] >= row["goal"] - 1e-12
        if n > 1:
            assert model.with_edit(s, r, o, n - 1).direct(s, r)[i] < row["goal"]


def test_n_prime_targets_halfway_when_already_above_095(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    write_world(con, BAYES_PAIRS, BAYES_FACTS)
    write_evidence(con, BAYES_EVIDENCE + [("Eve", "sport", "tennis", 1.0, 30)])
    fit(con)
    (row,) = edit_weights(con, pa.table({"edit_id": [1], "subject_id": ["E:Eve"], "relation_id": [SPORT],
                                         "object_id": ["E:tennis"]})).to_pylist()
    # Eve sport tennis: n = 31, N = 31: p = (1/6 + 31)/32 = 0.9740 >= 0.95 -> goal (1 + p)/2 = 0.9870.
    p = (1 / 6 + 31) / 32
    assert row["p_before"] == pytest.approx(p) and row["goal"] == pytest.approx((1 + p) / 2)
    n = row["n_prime"]
    assert (1 / 6 + 31 + n) / (32 + n) >= row["goal"] > (1 / 6 + 30 + n) / (31 + n)
    con.close()


def test_raising_the_weight_never_lowers_the_requested_posterior(con):
    for s, r, o in [("E:Cy", EDU, "E:Yale"), ("E:Bob", OCC, "E:architect"), ("E:Ann", OCC, "E:lawyer")]:
        previous = -1.0
        for w in (1, 2, 5, 10, 35, 100, 1000, 10**6):
            p = beliefs(con, [(s, r, o)], (s, r, o, w))[(s, r, o)]
            assert p[0] == "direct" and p[1] >= previous
            previous = p[1]


def test_edit_reaches_downstream_marginal_and_other_subjects(con):
    probes = [("E:Cy", OCC, "E:architect"), ("E:Ann", OCC, "E:architect"), ("E:Ann", OCC, "E:lawyer")]
    before = beliefs(con, probes)
    # Upstream edit: Cy now educated at Yale -> Cy's downstream marginal moves toward Yale's conditional.
    after = beliefs(con, probes, ("E:Cy", EDU, "E:Yale", 1000.0))
    assert after[probes[0]][1] > before[probes[0]][1] + 0.2
    # Downstream edit of Bob (share 1 on Yale): Yale's shared conditional moves -> Ann's marginal moves.
    after = beliefs(con, probes, ("E:Bob", OCC, "E:architect", 1000.0))
    assert after[probes[1]][1] > before[probes[1]][1] + 0.2
    assert after[probes[2]][1] < before[probes[2]][1]
    # Upstream edit of Ann (who has downstream evidence): her contribution leaves Yale for MIT, so Cy
    # (educated at MIT) now expects architect more.
    after = beliefs(con, probes, ("E:Ann", EDU, "E:MIT", 1000.0))
    assert after[probes[0]][1] > before[probes[0]][1] + 0.1


def _table_digest(con) -> str:
    h = hashlib.sha256()
    for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                            "ORDER BY 1").fetchall():
        h.update(repr(con.execute(f"SELECT * FROM {db.quote_identifier(t)} ORDER BY ALL").fetchall()).encode())
    return h.hexdigest()


def test_base_tables_unchanged_after_any_edit(con):
    digest = _table_digest(con)
    edits = pa.table({"edit_id": [1, 2, 3], "subject_id": ["E:Cy", "E:Bob", "E:Ann"],
                      "relation_id": [EDU, OCC, EDU], "object_id": ["E:Yale", "E:architect", "E:MIT"]})
    probes = pa.table({"probe_id": [1, 2, 3], "edit_id": [1, 2, 3], "subject_id": ["E:Cy", "E:Ann", "E:Cy"],
                       "relation_id": [OCC, OCC, OCC], "object_id": ["E:architect"] * 3})
    edit_targets(con, edits, probes)
    beliefs(con, _all_probes(con), ("E:Ann", EDU, "E:MIT", 1000.0))
    assert _table_digest(con) == digest


def test_edit_targets_batch_equals_one_at_a_time(con):
    edits = pa.table({"edit_id": [10, 11], "subject_id": ["E:Cy", "E:Bob"], "relation_id": [EDU, OCC],
                      "object_id": ["E:Yale", "E:architect"]})
    probes = pa.table({"probe_id": [1, 2, 3, 4], "edit_id": [10, 10, 11, 11],
                       "subject_id": ["E:Cy", "E:Cy", "E:Bob", "E:Ann"], "relation_id": [EDU, OCC, OCC, OCC],
                       "object_id": ["E:Yale", "E:architect", "E:architect", "E:architect"]})
    rows = edit_targets(con, edits, probes, weight=1000.0).to_pylist()
    n_prime = {r["edit_id"]: r["n_prime"] for r in edit_weights(con, edits).to_pylist()}
    assert n_prime[10] == 35
    for row, probe in zip(rows, probes.to_pylist()):
        e = next(x for x in edits.to_pylist() if x["edit_id"] == probe["edit_id"])
        key = (probe["subject_id"], probe["relation_id"], probe["object_id"])
        edit = (e["subject_id"], e["relation_id"], e["object_id"])
        assert row["p_pre"] == pytest.approx(beliefs(con, [key])[key][1], abs=1e-12)
        assert row["p_n_prime"] == pytest.approx(beliefs(con, [key], (*edit, n_prime[e["edit_id"]]))[key][1], abs=1e-12)
        assert row["p_n"] == pytest.approx(beliefs(con, [key], (*edit, 1000.0))[key][1], abs=1e-12)
    # the edited probe itself is judged by its direct belief, which n' brought to 0.95
    assert rows[0]["belief_post"] == "direct" and rows[0]["p_n_prime"] >= 0.95
    assert rows[1]["belief_pre"] == "marginal"


def test_fit_needs_evidence_and_query_needs_fit(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    write_world(con, BAYES_PAIRS, BAYES_FACTS)
    with pytest.raises(SchemaError, match="evidence"):
        fit(con)
    from kgedit.query.answer import run_query

    with pytest.raises(SchemaError) as info:
        run_query(con, "P(occupation | subject=Ann)")
    assert "kgedit bayes fit" in info.value.hint
    write_evidence(con, BAYES_EVIDENCE)
    with pytest.raises(KgeditError, match="prior_mass"):
        fit(con, prior_mass=0)
    summary = fit(con)
    assert summary.n_objects == 6 and summary.evidence_rows == len(BAYES_EVIDENCE)
    fit(con)   # refitting replaces the tables
    con.close()


def test_a_fit_is_stale_once_the_evidence_changes_or_when_it_has_no_fingerprint(tmp_path):
    from kgedit.bayes.fit import is_current
    from kgedit.query.answer import run_query

    con = db.connect(tmp_path / "w.duckdb")
    write_world(con, BAYES_PAIRS, BAYES_FACTS)
    write_evidence(con, BAYES_EVIDENCE)
    fit(con)
    assert is_current(con) and run_query(con, "P(occupation | subject=Ann)")[2]
    con.execute("INSERT INTO evidence VALUES (99, 'E:Cy', 'R1', 'E:lawyer', 1.0, 1)")
    assert not is_current(con)
    with pytest.raises(SchemaError, match="older than the corpus") as info:
        run_query(con, "P(occupation | subject=Ann)", db_label="w.duckdb")
    assert info.value.hint == "Refit it: kgedit bayes fit --db w.duckdb"
    fit(con)
    assert is_current(con)
    con.execute("ALTER TABLE bayes_info DROP COLUMN corpus_fingerprint")    # a fit made by an older kgedit
    assert not is_current(con)
    with pytest.raises(SchemaError, match="made by an older kgedit"):
        run_query(con, "P(occupation | subject=Ann)", db_label="w.duckdb")
    con.close()


def test_views_and_macros_answer_and_the_macros_sum_to_one(con):
    """The README's examples of the views and macros run in tests/cli/test_readme.py."""
    assert con.execute("SELECT count(*) FROM subject_beliefs WHERE subject = 'Ann'").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM population_conditionals WHERE upstream_value = 'Yale'").fetchone()[0] > 0
    sums = con.execute("SELECT downstream_relation, sum(probability) FROM conditionals('Yale') GROUP BY ALL").fetchall()
    assert sums and all(math.isclose(p, 1.0, abs_tol=1e-12) for _, p in sums)
    probs = con.execute("SELECT relation, sum(probability) FROM beliefs('Ann') GROUP BY relation").fetchall()
    assert all(math.isclose(p, 1.0, abs_tol=1e-12) for _, p in probs)
    (p,) = con.execute("SELECT probability FROM beliefs('Cy') WHERE relation = 'occupation' "
                       "AND object = 'architect'").fetchone()
    assert p == pytest.approx(103 / 540, abs=1e-12)


_NAMES = ["Ann", "Bob", "Cy", "Dee", "Eve"]
_LABELS = ["educated at", "occupation", "sport", "member of sports team"]
_OBJ = ["Lions", "MIT", "Yale", "architect", "lawyer", "tennis"]


@pytest.mark.slow
def test_random_evidence_and_edits_sql_equals_dense(tmp_path):
    """Property: on random evidence (all four weight kinds) and random edits, SQL = numpy to 1e-9."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    item = st.tuples(st.sampled_from(_NAMES), st.sampled_from(_LABELS), st.sampled_from(_OBJ),
                     st.sampled_from([1.0, -1.0, 2 / 3, 1 / 3]), st.integers(1, 5))
    edit = st.tuples(st.sampled_from(_NAMES), st.sampled_from([0, 1, 2, 3]), st.sampled_from(_OBJ),
                     st.sampled_from([1.0, 4.0, 1000.0]))

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(item, min_size=1, max_size=14), edit)
    def check(evidence, e):
        con = db.connect()
        write_world(con, BAYES_PAIRS, BAYES_FACTS)
        write_evidence(con, evidence)
        fit(con)
        change = (f"E:{e[0]}", f"R{e[1]}", f"E:{e[2]}", e[3])
        model = dense_model(con)
        edited = model.with_edit(*change)
        got = beliefs(con, _all_probes(con), change)
        for (s, r, o), (kind, p) in got.items():
            want_kind, want = edited.target(s, r, edited=change[:2])
            assert kind == want_kind
            assert p == pytest.approx(want[model.index[o]], abs=1e-9)
        con.close()

    check()
