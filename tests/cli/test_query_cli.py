"""`kgedit query` and `kgedit bayes` through the CLI: formats, --explain, edits, errors, injection."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kgedit import db
from tests.conftest import BAYES_FACTS, BAYES_PAIRS, REPO, write_world

runner = CliRunner()


def kgedit(*args):
    from cli.app import app

    return runner.invoke(app, list(args))


def test_distribution_table_shows_marginal_top_k(bayes_world):
    r = kgedit("query", "P(occupation | subject=Cy)", "--db", str(bayes_world), "--top", "2")
    assert r.exit_code == 0, r.stderr
    assert "architect" in r.stdout and "0.190741" in r.stdout        # 103/540
    assert "marginal" in r.stdout and r.stdout.count("\n") < 12


def test_single_probability_json(bayes_world):
    r = kgedit("query", 'P(occupation=architect | subject="Cy")', "--db", str(bayes_world), "--format", "json")
    rows = json.loads(r.stdout)
    assert len(rows) == 1 and rows[0]["probability"] == pytest.approx(103 / 540, abs=1e-12)


def test_population_conditional_csv(bayes_world):
    r = kgedit("query", "P(occupation | educated_at=Yale)", "--db", str(bayes_world), "--format", "csv", "--top", "1")
    assert r.stdout.splitlines() == ["object,probability", "architect,0.455556"]   # 41/90


def test_edit_shows_pre_and_post_columns(bayes_world):
    r = kgedit("query", 'P(educated_at=Yale | subject=Cy, educated_at=Yale @ p=0.95)', "--db", str(bayes_world),
               "--format", "json")
    (row,) = json.loads(r.stdout)
    assert row["edit_weight"] == 35 and row["pre_edit"] == pytest.approx(1 / 12)
    assert row["probability"] == pytest.approx((1 / 6 + 35) / 37) and row["belief"] == "direct"
    r = kgedit("query", 'P(occupation | subject=Cy, "educated at"=Yale @ n=1000)', "--db", str(bayes_world))
    assert r.exit_code == 0 and "pre_edit" in r.stdout


def test_formula_same_subject_is_exact_joint(bayes_world):
    r = kgedit("query", 'P("Cy educated at Yale" and "Cy occupation architect")', "--db", str(bayes_world),
               "--format", "json")
    rows = json.loads(r.stdout)
    # q(Yale) p(architect | Yale) = 1/12 * 41/90
    assert rows[-1]["probability"] == pytest.approx(41 / 1080, abs=1e-12)
    r = kgedit("query", 'P("Ann occupation architect" or not "Eve sport tennis")', "--db", str(bayes_world),
               "--format", "json")
    a, b = (x["probability"] for x in json.loads(r.stdout)[:2])
    assert json.loads(r.stdout)[-1]["probability"] == pytest.approx(a + (1 - b) - a * (1 - b), abs=1e-12)


def test_explain_prints_sql_with_bound_parameters(bayes_world):
    r = kgedit("query", "P(occupation | subject=Cy)", "--db", str(bayes_world), "--explain")
    assert "$subject = 'E:Cy'" in r.stdout and "posterior AS" in r.stdout
    assert "'E:Cy'" not in r.stdout.split("parameters:")[1].split("\n", 1)[1]   # not spliced into SQL


@pytest.mark.parametrize("query, expect", [
    ("P(occupaton | subject=Cy)", "Did you mean: occupation"),
    ("P(occupation | subject=Cyy)", "Did you mean: 'Cy'"),
    ("P(occupation | subject=Cy, educated_at=Yale)", "@ n=1000"),
    ("P(occupation | subject=Cy", "^"),
    ("P(educated_at | occupation=architect)", "educated_at is upstream"),
    ("P(occupation | subject=Cy, educated_at=Yale @ n=0.5)", "at least 1"),
])
def test_user_mistakes_give_error_and_hint(bayes_world, query, expect):
    r = kgedit("query", query, "--db", str(bayes_world))
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("Error: ") and "Hint: " in r.stderr and expect in r.stderr


@pytest.mark.parametrize("value", ["x'; DROP TABLE facts; --", 'x"); DELETE FROM entities; --', "Robert'); --"])
def test_quote_and_semicolon_injection_is_inert(bayes_world, value):
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    r = kgedit("query", f'P(occupation | subject="{quoted}")', "--db", str(bayes_world))
    assert r.exit_code == 1 and "Unknown subject" in r.stderr
    con = db.connect(bayes_world, read_only=True)
    assert con.execute("SELECT count(*) FROM facts").fetchall() == [(len(BAYES_FACTS),)]
    con.close()


def test_unfitted_database_gives_fit_hint(tmp_path):
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    write_world(con, BAYES_PAIRS, BAYES_FACTS)
    con.close()
    r = kgedit("query", "P(occupation | subject=Cy)", "--db", str(path))
    assert r.exit_code == 1 and "kgedit bayes fit" in r.stderr
    r = kgedit("bayes", "fit", "--db", str(path))
    assert r.exit_code == 1 and "kgedit corpus generate" in r.stderr


@pytest.mark.slow
def test_bayes_export_bif_and_xdsl_read_back(bayes_world, tmp_path):
    from pgmpy.readwrite import BIFReader

    r = kgedit("bayes", "export", "--subject", "Cy", "--format", "bif", "--out", str(tmp_path / "cy.bif"),
               "--db", str(bayes_world))
    assert r.exit_code == 0, r.stderr
    model = BIFReader(str(tmp_path / "cy.bif")).get_model()
    assert set(model.nodes()) == {"educated_at", "occupation"}
    r = kgedit("bayes", "export", "--subject", "Cy", "--format", "xdsl", "--out", str(tmp_path / "cy.xdsl"),
               "--db", str(bayes_world))
    assert r.exit_code == 0 and "<cpt id=\"occupation\"" in (tmp_path / "cy.xdsl").read_text()
    r = kgedit("bayes", "export", "--subject", "Nobody", "--out", str(tmp_path / "x.bif"), "--db", str(bayes_world))
    assert r.exit_code == 1 and "Unknown subject" in r.stderr


def test_query_imports_no_heavy_library(bayes_world):
    code = ("import sys\nfrom kgedit._entry import main\n"
            f"sys.argv = ['kgedit', 'query', 'P(occupation | subject=Cy)', '--db', {str(bayes_world)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', [m for m in ('torch', 'transformers', 'peft', 'pgmpy') if m in sys.modules])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert "LOADED []" in proc.stdout, proc.stdout + proc.stderr


def test_top_k_from_the_support_equals_probing_all_k_objects(bayes_world):
    """The query probes only objects that can differ from the unlisted level (+ `top` representatives)."""
    import pyarrow as pa

    from kgedit.bayes.beliefs import scenario_beliefs

    con = db.connect(bayes_world, read_only=True)
    objects = [r[0] for r in con.execute("SELECT object_id FROM objects ORDER BY object_idx").fetchall()]
    names = dict(con.execute("SELECT entity_id, name FROM entities").fetchall())
    for query, edit in [("P(occupation | subject=Cy)", (None, None, None, 0.0)),
                        ("P(occupation | subject=Cy, educated_at=Yale @ n=7)", ("E:Cy", "R0", "E:Yale", 7.0)),
                        ("P(occupation | subject=Ann, occupation=lawyer @ n=3)", ("E:Ann", "R1", "E:lawyer", 3.0))]:
        subject = "E:" + query.split("subject=")[1].split(",")[0].rstrip(")")
        full = scenario_beliefs(con, pa.table({"scenario_id": [1], "subject_id": [edit[0]], "relation_id": [edit[1]],
                                       "object_id": [edit[2]], "weight": [edit[3]]}),
                        pa.table({"probe_id": range(6), "scenario_id": [1] * 6, "subject_id": [subject] * 6,
                                  "relation_id": ["R1"] * 6, "object_id": objects})).to_pylist()
        want = sorted(((-r["probability"], names[o]) for r, o in zip(full, objects)))
        r = kgedit("query", query, "--db", str(bayes_world), "--format", "json", "--top", "6")
        got = [(-row["probability"], row["object"]) for row in json.loads(r.stdout)]
        assert [n for _, n in got] == [n for _, n in want]
        assert [p for p, _ in got] == pytest.approx([p for p, _ in want], abs=1e-12)
    con.close()


@pytest.mark.parametrize("query, expect", [
    # was a KeyError traceback: a subject's name as the object of a formula's fact
    ('P("Cy educated at Yale" and "Cy occupation Cy")', "'Cy' is not an object of occupation"),
    # was an empty answer
    ('P(occupation=Ann | subject=Cy)', "'Ann' is not an object of occupation"),
    # was accepted: the post-edit probabilities summed to less than 1
    ('P(occupation | subject=Cy, occupation=Ann @ n=1000)', "'Ann' is not an object of occupation"),
    ('P(occupation | educated_at=architect)', "'architect' is not an object of educated_at"),
    ('P(occupation=Yale | subject=Cy)', "'Yale' is not an object of occupation"),
    ('P(occupation | educated_at=Yael)', "Did you mean: 'Yale'"),
    # an object as the subject: it has no evidence, so it answered the uniform prior
    ('P(occupation | subject=Yale)', "'Yale' is not a subject of this world"),
    ('P("Yale occupation lawyer")', "Cannot read 'Yale occupation lawyer'"),
    ('P(occupation | subject=Cyy)', "Unknown subject 'Cyy'"),
])
def test_values_must_be_objects_of_their_relation(bayes_world, query, expect):
    r = kgedit("query", query, "--db", str(bayes_world))
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert r.stderr.startswith("Error: ") and expect in r.stderr and "Hint: " in r.stderr


def test_value_hint_lists_objects_of_the_relation(bayes_world):
    r = kgedit("query", "P(occupation=Dee | subject=Cy)", "--db", str(bayes_world))
    assert r.exit_code == 1 and "Hint: Objects of occupation include 'architect', 'lawyer'." in r.stderr


@pytest.mark.parametrize("args, expect", [
    (["P(occupation | subject=Cy, educated_at=Yale @ n=1e309)"], "finite number"),   # was all-NaN, exit 0
    (["P(occupation | subject=Cy, educated_at=Yale @ p=-1e309)"], "finite number"),
    (["P(occupation | subject=Cy, educated_at=Yale @ n=nan)"], "expected a number"),
    (["P(occupation | subject=Cy, educated_at=Yale @ p=1)"], "strictly between 0 and 1"),
    (["P(occupation | subject=Cy)", "--top", "0"], "--top must be in [1, 1000000]"),
    (["P(occupation | subject=Cy)", "--top", "99999999999999999999"], "--top must be in"),
    (["P(" + "(" * 330 + '"Cy occupation lawyer"' + ")" * 330 + ")"], "more than 100 deep"),   # RecursionError
    (["P(" + "not " * 990 + '"Cy occupation lawyer")'], "more than 100 deep"),
])
def test_numbers_and_nesting_outside_the_limits_are_errors(bayes_world, args, expect):
    r = kgedit("query", *args, "--db", str(bayes_world), "--format", "json")
    assert r.exit_code == 1 and "Traceback" not in r.output and r.stdout == "", r.output
    assert r.stderr.startswith("Error: ") and expect in r.stderr


def test_huge_finite_weight_gives_finite_probabilities_that_sum_to_one(bayes_world):
    r = kgedit("query", "P(educated_at | subject=Cy, educated_at=Yale @ n=1e308)", "--db", str(bayes_world),
               "--format", "json", "--top", "6")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"non-finite {c} in the JSON output"))
    assert sum(row["probability"] for row in rows) == pytest.approx(1.0)
    assert rows[0]["object"] == "Yale" and rows[0]["probability"] == pytest.approx(1.0)


@pytest.mark.parametrize("mass", ["inf", "nan", "-1", "0"])
def test_bayes_fit_refuses_a_non_finite_or_non_positive_prior_mass(bayes_world, mass):
    """--prior-mass inf made every belief NaN."""
    con = db.connect(bayes_world, read_only=True)
    before = con.execute("SELECT * FROM bayes_info").fetchall()
    con.close()
    r = kgedit("bayes", "fit", "--db", str(bayes_world), "--prior-mass", mass)
    assert r.exit_code == 1 and r.stderr.startswith("Error: --prior-mass must be") and "Hint: " in r.stderr
    con = db.connect(bayes_world, read_only=True)
    assert con.execute("SELECT * FROM bayes_info").fetchall() == before
    con.close()


@pytest.fixture
def synthetic_world(tmp_path):
    """A small synthetic world with its corpus (seed 0), fitted: the user's three commands."""
    path = str(tmp_path / "w.duckdb")
    for args in (["world", "build", "--source", "synthetic", "--subjects", "60"], ["corpus", "generate"],
                 ["bayes", "fit"]):
        assert kgedit(*args, "--db", path).exit_code == 0
    return path


def test_a_fit_older_than_the_corpus_is_refused_until_refit(synthetic_world, tmp_path):
    """After `corpus generate --overwrite --seed 1` queries kept answering from the old fit, silently."""
    con = db.connect(synthetic_world, read_only=True)
    subject = con.execute("SELECT e.name FROM corpus_facts f JOIN entities e ON e.entity_id = f.subject_id "
                          "JOIN relations r USING (relation_id) WHERE r.name = 'occupation' "
                          "ORDER BY f.fact_id LIMIT 1").fetchall()[0][0]
    con.close()
    query = f'P(occupation | subject="{subject}")'
    old = kgedit("query", query, "--db", synthetic_world, "--format", "json")
    assert old.exit_code == 0, old.output
    regenerate = ["corpus", "generate", "--overwrite", "--db", synthetic_world, "--seed"]
    assert kgedit(*regenerate, "0").exit_code == 0      # the same corpus again: the fit is still right
    assert kgedit("query", query, "--db", synthetic_world, "--format", "json").stdout == old.stdout

    assert kgedit(*regenerate, "1").exit_code == 0
    for args in (["query", query], ["bayes", "export", "--subject", subject, "--out", str(tmp_path / "s.bif"),
                                    "--format", "bif"]):
        r = kgedit(*args, "--db", synthetic_world)
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
        assert "Error: The Bayesian fit is older than the corpus" in r.stderr
        assert f"Hint: Refit it: kgedit bayes fit --db {synthetic_world}" in r.stderr
    assert not (tmp_path / "s.bif").exists()

    assert kgedit("bayes", "fit", "--db", synthetic_world).exit_code == 0
    new = kgedit("query", query, "--db", synthetic_world, "--format", "json")
    assert new.exit_code == 0 and json.loads(new.stdout) != json.loads(old.stdout)
