"""`kgedit corpus generate|export|stats` through the command line."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()

PAIRS = [("educated at", "occupation")]
FACTS = [("Ann", "educated at", "Yale"), ("Ann", "occupation", "lawyer"),
         ("Bob", "educated at", "MIT"), ("Bob", "occupation", "doctor"),
         ("Cy", "educated at", "Yale"), ("Cy", "occupation", "lawyer")]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_generate_prints_the_row_counts(make_world):
    path = make_world(PAIRS, FACTS)
    result = invoke("corpus", "generate", "--db", path, "--seed", 3, "-f", "json")
    assert result.exit_code == 0, result.output
    counts = dict((r["table"], r["rows"]) for r in json.loads(result.stdout))
    assert counts["corpus_facts"] == 6 and counts["sentences"] == 144 and counts["evidence"] == 156


def test_generate_refuses_an_existing_corpus_without_overwrite(make_world):
    path = make_world(PAIRS, FACTS)
    assert invoke("corpus", "generate", "--db", path).exit_code == 0
    again = invoke("corpus", "generate", "--db", path)
    assert again.exit_code == 1
    assert "Error: This database already has a corpus." in again.stderr and "--overwrite" in again.stderr
    assert invoke("corpus", "generate", "--db", path, "--overwrite", "--facts", 4).exit_code == 0


def test_generate_without_a_world_names_the_world_command(tmp_path):
    result = invoke("corpus", "generate", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 1 and "kgedit world build" in result.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_generate_too_many_facts_says_how_many(make_world):
    result = invoke("corpus", "generate", "--db", make_world(PAIRS, FACTS), "--facts", 7)
    assert result.exit_code == 1
    assert "only 6" in result.stderr and "Traceback" not in result.output


def test_bad_option_values_are_errors_not_tracebacks(make_world):
    path = make_world(PAIRS, FACTS)
    for args in (("--min-true-prob", 1.0), ("--doc-resamples", 0), ("--max-sentences-per-doc", 0)):
        result = invoke("corpus", "generate", "--db", path, *args)
        assert result.exit_code == 1 and result.stderr.startswith("Error:"), args


def test_export_writes_one_document_per_record_in_each_format(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    invoke("corpus", "generate", "--db", path, "--doc-resamples", 2)
    for fmt in ("jsonl", "txt", "parquet"):
        out = tmp_path / f"docs.{fmt}"
        result = invoke("corpus", "export", "--db", path, "--format", fmt, "--out", out)
        assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "docs.jsonl").read_text().splitlines()]
    lines = (tmp_path / "docs.txt").read_text().splitlines()
    table = pq.read_table(tmp_path / "docs.parquet")
    assert [r["text"] for r in records] == lines == table["text"].to_pylist()
    assert [r["document_id"] for r in records] == list(range(len(records)))
    assert set(records[0]) == {"document_id", "resample", "subject_id", "n_sentences", "text"}
    refused = invoke("corpus", "export", "--db", path, "--out", tmp_path / "docs.jsonl")
    assert refused.exit_code == 1 and "already exists" in refused.stderr


def test_export_and_stats_without_a_corpus_name_the_generate_command(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    for args in (("export", "--out", tmp_path / "x.jsonl"), ("stats",)):
        result = invoke("corpus", *args, "--db", path)
        assert result.exit_code == 1 and "kgedit corpus generate" in result.stderr


def test_stats_is_table_6_and_shows_token_counts_once_they_exist(make_world):
    from kgedit import db

    path = make_world(PAIRS, FACTS)
    invoke("corpus", "generate", "--db", path)
    result = invoke("corpus", "stats", "--db", path, "-f", "json")
    got = {r["quantity"]: r["corpus"] for r in json.loads(result.stdout)}
    assert got == {"facts": 6, "atomic sentences": 60, "true/false sentences": 60, "and/or/not sentences": 24,
                   "documents": got["documents"], "subjects": 3, "relations": 2, "objects (K, the world)": 4,
                   "objects named in sentences": got["objects named in sentences"]}
    con = db.connect(path)
    con.execute("CREATE TABLE corpus_token_counts (kind VARCHAR, n_texts BIGINT, n_tokens BIGINT)")
    con.execute("INSERT INTO corpus_token_counts VALUES ('documents', 10, 1234), ('atomic', 60, 300)")
    con.close()
    rows = json.loads(invoke("corpus", "stats", "--db", path, "-f", "json").stdout)
    tokens = {r["quantity"]: (r["corpus"], r["paper"]) for r in rows if r["quantity"].startswith("tokens")}
    assert tokens == {"tokens (documents)": (1234, 204_000_000), "tokens (atomic)": (300, None)}


@pytest.mark.parametrize("extra, message", [
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807] (got -1)"),
    (["--seed", "99999999999999999999999"], "--seed must be in [0, 9223372036854775807]"),
    (["--min-true-prob", "nan"], "--min-true-prob must be a finite number"),
    (["--min-true-prob", "inf"], "--min-true-prob must be a finite number"),
    (["--min-true-prob", "0.5"], "--min-true-prob must be in (0.5, 1)"),
    (["--facts", "0"], "--facts must be at least 1"),
    (["--doc-resamples", "0"], "--doc-resamples must be in [1, 100]"),
    (["--max-sentences-per-doc", "0"], "--max-sentences-per-doc must be in [1, 1000]"),
])
def test_bad_numbers_are_refused_before_the_database_is_touched(make_world, extra, message):
    path = make_world(PAIRS, FACTS)
    before = path.read_bytes()
    result = invoke("corpus", "generate", "--db", path, *extra)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "Hint: " in result.stderr
    assert message in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before
