"""`kgedit world build` / `kgedit world info` through the CLI: output formats and every error case."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app

from ..conftest import REPO

runner = CliRunner()
TINY = REPO / "data" / "fixtures" / "tiny_world"


def wikidata_args(folder=TINY, *extra):
    return ["world", "build", "--source", "wikidata5m", "--triples", str(folder / "triples.tsv"),
            "--entities", str(folder / "entities.tsv"), "--relations-file", str(folder / "relations.tsv"), *extra]


def assert_user_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") or "\nError: " in result.stderr
    assert "Hint: " in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_synthetic_is_the_default_and_info_prints_json(tmp_path):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--db", str(db), "--subjects", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "n_facts" in result.stdout
    info = runner.invoke(app, ["world", "info", "--db", str(db), "--format", "json"])
    data = json.loads(info.stdout)
    assert data["summary"]["source"] == "synthetic" and data["summary"]["n_subjects"] == 200
    assert data["summary"]["parameters"] == {"subjects": 200, "seed": 3}
    assert len(data["relations"]) == 10
    down = [r for r in data["relations"] if r["role"] == "downstream"]
    assert all(r["n_with_upstream"] > 0 for r in down)


def test_wikidata_build_and_info_as_table_and_csv(tmp_path):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, wikidata_args(TINY, "--n-relations", "4", "--db", str(db)))
    assert result.exit_code == 0, result.output
    table = runner.invoke(app, ["world", "info", "--db", str(db)])
    assert "educated at" in table.stdout and "duplicates_dropped" in table.stdout
    csv = runner.invoke(app, ["world", "info", "--db", str(db), "-f", "csv"]).stdout
    relations_block, summary_block = csv.split("\n\n")
    assert relations_block.splitlines()[1].startswith("0,P19,place of birth,")
    assert "n_facts,11" in summary_block.splitlines()


def test_paper_preset_is_accepted(tmp_path):
    result = runner.invoke(app, wikidata_args(TINY, "--relations", "P69,P106", "--db", str(tmp_path / "w.duckdb")))
    assert result.exit_code == 0, result.output


def test_missing_file(tmp_path):
    args = wikidata_args(TINY, "--db", str(tmp_path / "w.duckdb"))
    args[args.index("--triples") + 1] = str(tmp_path / "absent.tsv")
    assert_user_error(runner.invoke(app, args), "absent.tsv does not exist")


def test_malformed_line_names_file_and_line(tmp_path):
    (tmp_path / "triples.tsv").write_text("S1\tP106\tO1\nS1 P19 O2\n")
    for name in ("entities.tsv", "relations.tsv"):
        (tmp_path / name).write_text((TINY / name).read_text())
    result = runner.invoke(app, wikidata_args(tmp_path, "--db", str(tmp_path / "w.duckdb")))
    assert_user_error(result, "triples.tsv, line 2:", "3 tab-separated fields")
    assert not (tmp_path / "w.duckdb").exists()


def test_empty_slice(tmp_path):
    (tmp_path / "triples.tsv").write_text("S1\tP131\tO1\n")
    for name in ("entities.tsv", "relations.tsv"):
        (tmp_path / name).write_text((TINY / name).read_text())
    assert_user_error(runner.invoke(app, wikidata_args(tmp_path, "--db", str(tmp_path / "w.duckdb"))),
                      "No triples are left")


def test_fewer_relations_than_asked(tmp_path):
    assert_user_error(runner.invoke(app, wikidata_args(TINY, "--db", str(tmp_path / "w.duckdb"))),
                      "asked for 10", "--n-relations 4")


def test_unknown_source(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "freebase", "--db", str(tmp_path / "w.duckdb")]),
                      "Unknown --source 'freebase'", "synthetic, wikidata5m")


def test_existing_db_without_overwrite(tmp_path):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["world", "build", "--db", str(db), "--subjects", "50"]).exit_code == 0
    before = db.read_bytes()
    assert_user_error(runner.invoke(app, ["world", "build", "--db", str(db), "--subjects", "60"]), "already exists",
                      "--overwrite")
    assert db.read_bytes() == before
    assert runner.invoke(app, ["world", "build", "--db", str(db), "--subjects", "60", "--overwrite"]).exit_code == 0


@pytest.mark.parametrize("relations, fragment", [("P69,P1066", "P1066"), ("P69,P106,P19", "even number"),
                                                 ("P69,P735", "P735")])
def test_bad_relation_ids(tmp_path, relations, fragment):
    result = runner.invoke(app, wikidata_args(TINY, "--relations", relations, "--db", str(tmp_path / "w.duckdb")))
    assert_user_error(result, fragment)


def test_wikidata_options_without_wikidata_source(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "build", "--relations", "paper", "--db", str(tmp_path / "w.duckdb")]),
                      "--relations only apply to --source wikidata5m")


def test_wikidata_source_needs_its_files(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "wikidata5m", "--db", str(tmp_path / "w.duckdb")]),
                      "--triples, --entities, --relations-file")


def test_info_on_a_database_without_a_world(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "info", "--db", str(tmp_path / "absent.duckdb")]), "No database")


@pytest.mark.parametrize("extra, message", [
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807] (got -1)"),
    (["--seed", "99999999999999999999999"], "--seed must be in [0, 9223372036854775807]"),
    (["--subjects", "1"], "--subjects must be in [2, 9000000] (got 1)"),
    (["--subjects", "-5"], "--subjects must be in [2, 9000000]"),
])
def test_bad_synthetic_numbers_fail_before_any_work(tmp_path, extra, message):
    db = tmp_path / "w.duckdb"
    assert_user_error(runner.invoke(app, ["world", "build", "--db", str(db), *extra]), message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extra, message", [
    (["--read-n-facts", "0"], "--read-n-facts must be at least 1"),
    (["--n-relations", "3"], "--n-relations: a world needs an even number of relations"),
    (["--direction", "up"], "Unknown --direction 'up'"),
])
def test_bad_wikidata_numbers_fail_before_any_work(tmp_path, extra, message):
    db = tmp_path / "w.duckdb"
    assert_user_error(runner.invoke(app, wikidata_args(TINY, "--db", str(db), *extra)), message)
    assert list(tmp_path.iterdir()) == []
