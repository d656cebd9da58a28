"""`kgedit world build` / `kgedit world info` through the CLI: output formats and every error case."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli.app import app

from ..conftest import REPO

runner = CliRunner()
TINY = REPO / "data" / "fixtures" / "tiny_world"


def wikidata_args(folder=TINY, *extra):
    return ["world", "build", "--source", "wikidata5m", "--triples", str(folder / "triples.tsv"),
            "--entities", str(folder / "entities.tsv"), "--relations-file", str(folder / "relations.tsv"), *extra]


def after_progress(stderr: str) -> str:
    """stderr from its first line that is not a plain progress line of the build (stderr is not a
    terminal here, so progress comes as lines, before any message)."""
    lines = stderr.splitlines(keepends=True)
    while lines and lines[0].startswith(("importing Wikidata", "generating the synthetic world")):
        lines.pop(0)
    return "".join(lines)


def assert_user_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") or "\nError: " in result.stderr
    assert "Hint: " in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_real_wikidata_with_the_papers_relations_is_the_default(tmp_path):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--db", str(db), "--subjects", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "n_facts" in result.stdout
    info = runner.invoke(app, ["world", "info", "--db", str(db), "--format", "json"])
    data = json.loads(info.stdout)
    assert data["summary"]["source"] == "wikidata" and data["summary"]["n_subjects"] == 200
    parameters = data["summary"]["parameters"]
    assert (parameters["subjects"], parameters["seed"], parameters["n_relations"]) == (200, 3, None)
    assert parameters["relations"] == ["P69", "P106", "P19", "P27", "P413", "P54", "P641", "P421", "P31", "P17"]
    labels = {r["label"] for r in data["relations"]}
    assert {"educated at", "occupation", "place of birth", "country of citizenship"} <= labels


def test_synthetic_source_and_info_prints_json(tmp_path):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--source", "synthetic", "--db", str(db), "--subjects", "200",
                                 "--seed", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["world", "info", "--db", str(db), "--format", "json"]).stdout)
    assert data["summary"]["source"] == "synthetic" and data["summary"]["n_subjects"] == 200
    assert data["summary"]["parameters"] == {"subjects": 200, "seed": 3}
    assert len(data["relations"]) == 10
    down = [r for r in data["relations"] if r["role"] == "downstream"]
    assert all(r["n_with_upstream"] > 0 for r in down)


def test_n_relations_needs_the_greedy_choice(tmp_path):
    db = tmp_path / "w.duckdb"
    assert_user_error(runner.invoke(app, ["world", "build", "--db", str(db), "--n-relations", "6"]),
                      "--n-relations only applies to the greedy choice, not to --relations paper (the default of "
                      "source wikidata)", "--relations greedy")
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "synthetic", "--db", str(db),
                                          "--n-relations", "6"]), "--n-relations only applies to the Wikidata sources")
    assert not db.exists()
    result = runner.invoke(app, ["world", "build", "--db", str(db), "--relations", "greedy", "--n-relations", "4",
                                 "--subjects", "100"])
    assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(app, ["world", "info", "--db", str(db), "--format", "json"]).stdout)
    assert len(data["relations"]) == 4 and data["summary"]["parameters"]["n_relations"] == 4


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
                      "Unknown --source 'freebase'", "wikidata, wikidata5m, synthetic")


def test_existing_db_without_overwrite(tmp_path):
    db = tmp_path / "w.duckdb"
    synthetic = ["world", "build", "--source", "synthetic", "--db", str(db)]
    assert runner.invoke(app, synthetic + ["--subjects", "50"]).exit_code == 0
    before = db.read_bytes()
    assert_user_error(runner.invoke(app, synthetic + ["--subjects", "60"]), "already exists", "--overwrite")
    assert db.read_bytes() == before
    assert runner.invoke(app, synthetic + ["--subjects", "60", "--overwrite"]).exit_code == 0


@pytest.mark.parametrize("relations, fragment", [("P69,P1066", "P1066"), ("P69,P106,P19", "even number"),
                                                 ("P69,P735", "P735")])
def test_bad_relation_ids(tmp_path, relations, fragment):
    result = runner.invoke(app, wikidata_args(TINY, "--relations", relations, "--db", str(tmp_path / "w.duckdb")))
    assert_user_error(result, fragment)


def test_wikidata_options_without_wikidata_source(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "synthetic", "--relations", "paper",
                                          "--db", str(tmp_path / "w.duckdb")]),
                      "--relations only applies to the Wikidata sources")


def test_wikidata_source_needs_its_files(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "wikidata5m", "--db", str(tmp_path / "w.duckdb")]),
                      "--triples, --entities, --relations-file")


def test_info_on_a_database_without_a_world(tmp_path):
    assert_user_error(runner.invoke(app, ["world", "info", "--db", str(tmp_path / "absent.duckdb")]), "No database")


@pytest.fixture(scope="module")
def bundled_sample(tmp_path_factory):
    """A 300-subject sample of the bundled Wikidata slice, built through the CLI."""
    db = tmp_path_factory.mktemp("bundled") / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--source", "wikidata", "--subjects", "300", "--seed", "5",
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_bundled_wikidata_needs_no_files_and_info_names_its_provenance(bundled_sample):
    info = json.loads(runner.invoke(app, ["world", "info", "--db", str(bundled_sample), "-f", "json"]).stdout)
    summary = info["summary"]
    assert summary["source"] == "wikidata" and summary["n_subjects"] == 300 and summary["seed"] == 5
    assert summary["parameters"]["subjects"] == 300 and summary["parameters"]["seed"] == 5
    assert "bundled" in summary["parameters"]["files"]       # no machine-specific paths in the world
    assert "PROVENANCE.md" in summary["provenance"] and "CC0" in summary["provenance"]
    assert {r["label"] for r in info["relations"]} >= {"occupation", "educated at", "country of citizenship"}


def test_bundled_sample_keeps_subjects_that_link_a_pair(bundled_sample):
    from kgedit import db

    con = db.connect(bundled_sample, read_only=True)
    unlinked = con.execute("""
        SELECT count(*) FROM (SELECT DISTINCT subject_id FROM facts) s
        WHERE NOT EXISTS (SELECT 1 FROM relation_pairs p JOIN facts u ON u.relation_id = p.upstream_id
                          JOIN facts d ON d.relation_id = p.downstream_id AND d.subject_id = u.subject_id
                          WHERE u.subject_id = s.subject_id)""").fetchall()[0][0]
    few = con.execute("SELECT count(*) FROM (SELECT subject_id FROM facts GROUP BY 1 HAVING count(*) < 2)").fetchall()
    orphans = con.execute("""SELECT count(*) FROM entities WHERE entity_id NOT IN
                             (SELECT subject_id FROM facts UNION SELECT object_id FROM facts)""").fetchall()
    con.close()
    assert unlinked == 0 and few[0][0] == 0 and orphans[0][0] == 0


def test_bundled_sample_is_deterministic_per_seed(bundled_sample, tmp_path):
    from kgedit import db

    def subjects(path):
        con = db.connect(path, read_only=True)
        try:
            return con.execute("SELECT DISTINCT subject_id FROM facts ORDER BY 1").fetchall()
        finally:
            con.close()

    for seed, same in (("5", True), ("6", False)):
        other = tmp_path / f"w{seed}.duckdb"
        result = runner.invoke(app, ["world", "build", "--source", "wikidata", "--subjects", "300", "--seed", seed,
                                     "--db", str(other)])
        assert result.exit_code == 0, result.output
        assert (subjects(other) == subjects(bundled_sample)) is same


@pytest.mark.parametrize("subjects", ["0", "-3", "1"])
def test_bundled_subjects_below_two_is_an_error_before_any_work(tmp_path, subjects):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--source", "wikidata", "--subjects", subjects, "--db", str(db)])
    assert_user_error(result, "--subjects")
    assert not db.exists()


def test_bundled_subjects_above_the_available_names_the_number_available(tmp_path):
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["world", "build", "--source", "wikidata", "--subjects", "10000000", "--db", str(db)])
    assert_user_error(result, "more than the", "subjects available")
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_bundled_source_refuses_file_options(tmp_path):
    result = runner.invoke(app, ["world", "build", "--source", "wikidata", "--triples", "t.tsv",
                                 "--db", str(tmp_path / "w.duckdb")])
    assert_user_error(result, "--triples only apply to --source wikidata5m")


def test_input_paths_that_are_no_regular_files_are_errors_not_usage_errors(tmp_path):
    args = wikidata_args(TINY, "--n-relations", "4", "--db", str(tmp_path / "w.duckdb"))
    args[args.index("--entities") + 1] = str(tmp_path)
    assert_user_error(runner.invoke(app, args), f"The entities file {tmp_path} is a directory, not a file")
    args[args.index("--entities") + 1] = os.devnull
    assert_user_error(runner.invoke(app, args), f"{os.devnull} is a character device, not a regular file")


def kgedit_without_read_permission(locked, *args: str) -> subprocess.CompletedProcess:
    """kgedit in a child process bound by file permissions (as root: one without CAP_DAC_OVERRIDE/READ_SEARCH)."""
    locked.chmod(0)
    prefix = []
    if os.geteuid() == 0 and shutil.which("setpriv"):
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    if subprocess.run([*prefix, "test", "-r", str(locked)]).returncode == 0:
        pytest.skip("root that cannot drop CAP_DAC_OVERRIDE: no file is unreadable to it")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*prefix, sys.executable, "-m", "kgedit", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_an_unreadable_input_file_is_an_error_naming_it(tmp_path):
    locked = tmp_path / "triples.tsv"
    shutil.copy(TINY / "triples.tsv", locked)
    args = wikidata_args(TINY, "--n-relations", "4", "--db", str(tmp_path / "w.duckdb"))
    args[args.index("--triples") + 1] = str(locked)
    proc = kgedit_without_read_permission(locked, *args)
    assert proc.returncode == 1, proc.stderr  # was 2: click's usage error "path ... is not readable"
    assert after_progress(proc.stderr).startswith(f"Error: The triples file {locked} is not readable "
                                                  "(permission denied).\nHint: ")
    assert "Traceback" not in proc.stderr and not (tmp_path / "w.duckdb").exists()


def test_an_unreadable_database_is_an_error_not_a_usage_error(tmp_path):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, wikidata_args(TINY, "--n-relations", "4", "--db", str(db))).exit_code == 0
    proc = kgedit_without_read_permission(db, "world", "info", "--db", str(db))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("Error: ") and "Hint: " in proc.stderr and "Traceback" not in proc.stderr


def test_duplicate_ids_are_a_warning_with_their_count(tmp_path):
    entities = (TINY / "entities.tsv").read_text()
    (tmp_path / "entities.tsv").write_text(entities + "S1\tAda again\nS2\tBen again\n")
    (tmp_path / "relations.tsv").write_text((TINY / "relations.tsv").read_text())
    (tmp_path / "triples.tsv").write_text((TINY / "triples.tsv").read_text())
    result = runner.invoke(app, wikidata_args(tmp_path, "--n-relations", "4", "--db", str(tmp_path / "w.duckdb")))
    assert result.exit_code == 0, result.output
    assert after_progress(result.stderr).startswith(f"Warning: 2 entity id(s) appear on more than one line of "
                                                    f"{tmp_path / 'entities.tsv'}")
    assert "relation id(s)" not in result.stderr and "duplicate_entity_ids" in result.stdout


@pytest.mark.parametrize("extra, message", [
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807] (got -1)"),
    (["--seed", "99999999999999999999999"], "--seed must be in [0, 9223372036854775807]"),
    (["--subjects", "1"], "--subjects must be in [2, 9000000] (got 1)"),
    (["--subjects", "-5"], "--subjects must be in [2, 9000000]"),
])
def test_bad_synthetic_numbers_fail_before_any_work(tmp_path, extra, message):
    db = tmp_path / "w.duckdb"
    assert_user_error(runner.invoke(app, ["world", "build", "--source", "synthetic", "--db", str(db), *extra]), message)
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
