"""`kgedit cases generate|show` through the command line, including every error a person can hit."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app
from kgedit import db
from kgedit.bayes.fit import is_current
from kgedit.corpus.build import generate_corpus
from kgedit.corpus.config import CorpusConfig
from kgedit.world.synthetic import write_synthetic_world

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def world(tmp_path):
    """A synthetic world of 200 subjects with its corpus, not yet fitted."""
    path = tmp_path / "world.duckdb"
    con = db.connect(path)
    try:
        write_synthetic_world(con, subjects=200, seed=2)
        generate_corpus(con, CorpusConfig(seed=2))
    finally:
        con.close()
    return path


def test_generate_fits_when_needed_then_show_prints_the_case(world):
    result = invoke("cases", "generate", "--db", world, "--n", 25, "--seed", 1, "-f", "json")
    assert result.exit_code == 0, result.output
    summary = {r["quantity"]: r["value"] for r in json.loads(result.stdout)}
    assert summary["n_cases"] == 25 and summary["fitted_automatically"] is True
    shown = invoke("cases", "show", "--db", world, "--case", 4, "-f", "json")
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.stdout)
    assert view["case"]["case_id"] == 4
    assert len(view["probes"]) == 16 and len(view["logical_probes"]) == 6
    assert {p["probe"] for p in view["probes"]} == {"s1r1", "s1r2", "s2r1", "s2r2"}
    table = invoke("cases", "show", "--db", world)
    assert table.exit_code == 0 and "probes (Bayesian targets)" in table.stdout and "case 0" in table.stdout


def test_missing_database_and_missing_corpus_name_the_command_to_run(tmp_path, make_world):
    result = invoke("cases", "generate", "--db", tmp_path / "nope.duckdb")
    assert result.exit_code == 1 and "Error: No database" in result.stderr
    assert not (tmp_path / "nope.duckdb").exists()
    bare = make_world([("educated at", "occupation")], [("Ann", "educated at", "Yale"), ("Ann", "occupation", "x")])
    result = invoke("cases", "generate", "--db", bare)
    assert result.exit_code == 1
    assert "no corpus" in result.stderr and "kgedit corpus generate --db" in result.stderr
    result = invoke("cases", "show", "--db", bare)
    assert result.exit_code == 1 and "kgedit cases generate" in result.stderr


def test_too_many_cases_existing_cases_bad_options_and_unknown_case(world):
    result = invoke("cases", "generate", "--db", world, "--n", 100000)
    assert result.exit_code == 1 and "only 200 corpus subjects are eligible" in result.stderr
    assert "Traceback" not in result.output
    assert invoke("cases", "generate", "--db", world, "--n", 10).exit_code == 0
    again = invoke("cases", "generate", "--db", world, "--n", 10)
    assert again.exit_code == 1 and "--overwrite" in again.stderr
    assert invoke("cases", "generate", "--db", world, "--n", 12, "--overwrite").exit_code == 0
    bad = invoke("cases", "generate", "--db", world, "--n", 0, "--overwrite")
    assert bad.exit_code == 1 and "--n must be at least 1" in bad.stderr
    bad = invoke("cases", "generate", "--db", world, "--target", 1.5, "--overwrite")
    assert bad.exit_code == 1 and "strictly between 0 and 1" in bad.stderr
    unknown = invoke("cases", "show", "--db", world, "--case", 12)
    assert unknown.exit_code == 1 and "No case 12" in unknown.stderr and "0 to 11" in unknown.stderr


@pytest.mark.parametrize("extra, message", [
    (["--weight", "inf"], "--weight must be a finite number (got inf)"),
    (["--weight", "nan"], "--weight must be a finite number"),
    (["--weight", "0.5"], "--weight must be at least 1"),
    (["--target", "nan"], "--target must be a finite number"),
    (["--target", "-inf"], "--target must be a finite number"),
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807] (got -1)"),
    (["--seed", "99999999999999999999999"], "--seed must be in [0, 9223372036854775807]"),
    (["--n", "-3"], "--n must be at least 1"),
])
def test_bad_numbers_are_refused_before_the_database_is_opened(tmp_path, extra, message):
    result = invoke("cases", "generate", "--db", tmp_path / "world.duckdb", *extra)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "Hint: " in result.stderr
    assert message in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_generate_refits_a_fit_older_than_the_corpus_with_its_prior_mass(world):
    """Cases must not take their targets from a fit made before `corpus generate --overwrite`."""
    assert invoke("bayes", "fit", "--db", world, "--prior-mass", 2).exit_code == 0
    con = db.connect(world)
    try:
        generate_corpus(con, CorpusConfig(seed=5), overwrite=True)
    finally:
        con.close()
    result = invoke("cases", "generate", "--db", world, "--n", 10, "-f", "json")
    assert result.exit_code == 0, result.output
    summary = {r["quantity"]: r["value"] for r in json.loads(result.stdout)}
    assert summary["fitted_automatically"] is True
    con = db.connect(world, read_only=True)
    try:
        assert con.execute("SELECT prior_mass FROM bayes_info").fetchall() == [(2.0,)]
        assert is_current(con)
    finally:
        con.close()
