"""`kgedit sql` cannot escape its database: escape attempts, table-driven and composed by hypothesis.

Every attempt must end with exit 0 or 1 and no traceback; no file outside the database may be read
(a canary's content never appears in the output, unless --allow-files asked for reading) and no file
may be created or changed (the whole folder, the database included, is snapshotted around each run).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from string import Formatter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()

CANARY = "CANARY-d41d8cd98f"
PAIRS = [("educated at", "occupation")]
FACTS = [("Ann", "educated at", "Yale"), ("Ann", "occupation", "lawyer")]

# {db} the world database, {secret}/{csv}/{parquet} canaries, {other} another database, {dir} the folder,
# {new} a path that must never come to exist.
ESCAPES = [
    "COPY (SELECT 'x') TO '{other}'", "COPY (SELECT 'x') TO '{new}.csv'", "COPY facts TO '{new}' (FORMAT parquet)",
    "COPY facts FROM '{csv}'", "COPY (SELECT 1) TO '{secret}'", "EXPORT DATABASE '{new}'", "IMPORT DATABASE '{dir}'",
    "ATTACH '{other}' AS o", "ATTACH '{new}.duckdb' AS n", "ATTACH ':memory:' AS m", "DETACH world", "USE memory",
    "INSTALL httpfs", "FORCE INSTALL json", "LOAD httpfs", "LOAD '{secret}'",
    "SELECT * FROM read_csv('{secret}', header = false)", "SELECT * FROM read_csv_auto('{csv}')",
    "SELECT content FROM read_text('{secret}')", "SELECT content FROM read_blob('{secret}')",
    "SELECT * FROM read_json('{secret}')", "SELECT * FROM read_json_auto('{csv}')", "SELECT * FROM read_parquet('{parquet}')",
    "SELECT * FROM parquet_metadata('{parquet}')", "SELECT * FROM sniff_csv('{csv}')", "SELECT * FROM glob('{dir}/*')",
    "SELECT * FROM glob('{dir}/**')", "FROM '{csv}'", "SELECT * FROM '{parquet}'", "SELECT * FROM '{dir}/*.csv'",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{new}.csv''')", "SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')",
    "SET enable_external_access = true", "SET GLOBAL enable_external_access = true", "RESET enable_external_access",
    "SET lock_configuration = false", "SET temp_directory = '{new}'", "SET profiling_output = '{new}.json'",
    "PRAGMA enable_profiling", "PRAGMA profiling_output = '{new}'", "SET allowed_directories = ['{dir}']",
    "SET allowed_paths = ['{secret}']", "SET disabled_filesystems = ''", "SET autoload_known_extensions = true",
    "PRAGMA import_database('{dir}')", "PRAGMA show_tables", "CALL pragma_table_info('facts')", "CALL checkpoint()",
    "SELECT * FROM checkpoint()", "SELECT * FROM force_checkpoint()", "SELECT * FROM pragma_database_size()",
    "CREATE TABLE t AS SELECT 1", "CREATE TEMP TABLE t AS SELECT 1", "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m() AS 1", "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "INSERT INTO facts VALUES ('a', 'b', 'c', 9)", "UPDATE facts SET subject_id = 'x'", "DELETE FROM facts",
    "DROP TABLE facts", "ALTER TABLE facts RENAME TO gone", "TRUNCATE facts", "CHECKPOINT", "FORCE CHECKPOINT",
    "VACUUM", "ANALYZE", "BEGIN", "SET VARIABLE v = 1", "PREPARE p AS SELECT 1",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{new}.csv'", "EXPLAIN (ANALYZE) EXPORT DATABASE '{new}'",
    "EXPLAIN ANALYZE ATTACH '{other}'", "SELECT 1; COPY (SELECT 1) TO '{new}.csv'",
    "SELECT 1 /* ; COPY (SELECT 1) TO '{new}.csv' */", "-- COPY (SELECT 1) TO '{new}.csv'\nSELECT 1",
    "SELECT * FROM facts", "SHOW TABLES", "SELECT * FROM read_csv('{db}')", "SELECT * FROM duckdb_settings()",
]
PREFIXES = ["", " ", "\n", "/* c */ ", "-- c\n", "EXPLAIN ", "EXPLAIN ANALYZE ", "SELECT 1; ", "WITH w AS (SELECT 1) ", "("]
SUFFIXES = ["", ";", " ;", ";;", "; SELECT 1", " -- c", " /*", ")", "; " + ESCAPES[0]]
CASES = [str, str.lower, str.upper, str.swapcase]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> dict[str, str]:
    from kgedit import db
    from tests.conftest import write_world

    folder = tmp_path_factory.mktemp("sandbox")
    for name in ("world.duckdb", "other.duckdb"):
        con = db.connect(folder / name)
        try:
            write_world(con, PAIRS, FACTS)
        finally:
            con.close()
    (folder / "secret.txt").write_text(CANARY + "\n", encoding="utf-8")
    (folder / "secret.csv").write_text(f"word\n{CANARY}\n", encoding="utf-8")
    con = db.connect()
    con.execute(f"COPY (SELECT '{CANARY}' AS word) TO '{folder / 'secret.parquet'}' (FORMAT parquet)")
    con.close()
    return {"db": str(folder / "world.duckdb"), "other": str(folder / "other.duckdb"), "secret": str(folder / "secret.txt"),
            "csv": str(folder / "secret.csv"), "parquet": str(folder / "secret.parquet"), "dir": str(folder),
            "new": str(folder / "new")}


@pytest.fixture(scope="module")
def digests(sandbox) -> dict[str, str]:
    return _digests(sandbox)


def _snapshot(folder: str) -> dict[str, tuple[int, int]]:
    """Every path under the folder with its size and mtime (contents: test_databases_are_unchanged)."""
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(Path(folder).rglob("*"))}


def _digests(sandbox: dict[str, str]) -> dict[str, str]:
    return {key: hashlib.sha256(Path(sandbox[key]).read_bytes()).hexdigest()
            for key in ("db", "other", "secret", "csv", "parquet")}


def _statement(sandbox: dict[str, str], template: str, case=str) -> str:
    """The template with its paths filled in; `case` changes the SQL around them, never a path."""
    return "".join(case(text) + (sandbox[field] if field else "") for text, field, _, _ in Formatter().parse(template))


def _attempt(sandbox: dict[str, str], text: str, allow_files: bool) -> None:
    before = _snapshot(sandbox["dir"])
    args = ["sql", "--db", sandbox["db"], "-f", "csv", *(["--allow-files"] if allow_files else []), "--", text]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), (text, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (text, result.exception)
    assert "Traceback" not in result.output, text
    if not allow_files:
        assert CANARY not in result.output, text
    assert _snapshot(sandbox["dir"]) == before, f"files changed by: {text}"


@pytest.mark.parametrize("allow_files", [False, True])
@pytest.mark.parametrize("template", ESCAPES)
def test_escape_attempt_changes_nothing(sandbox, digests, monkeypatch, template, allow_files):
    monkeypatch.chdir(sandbox["dir"])  # relative paths in a statement land in the snapshotted folder
    _attempt(sandbox, _statement(sandbox, template), allow_files)


def test_write_and_file_statements_are_refused(sandbox):
    for template in ["COPY (SELECT 'x') TO '{other}'", "ATTACH '{other}' AS o", "SELECT * FROM read_text('{secret}')"]:
        result = runner.invoke(app, ["sql", "--db", sandbox["db"], template.format(**sandbox)])
        assert result.exit_code == 1 and result.stderr.startswith("Error:"), template


def _composed():
    return st.tuples(st.sampled_from(ESCAPES), st.booleans(), st.sampled_from(CASES),
                     st.sampled_from(PREFIXES), st.sampled_from(SUFFIXES))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempt=_composed())
def test_composed_escape_attempts_change_nothing(sandbox, monkeypatch, attempt):
    monkeypatch.chdir(sandbox["dir"])
    template, allow_files, case, prefix, suffix = attempt
    _attempt(sandbox, prefix + _statement(sandbox, template, case) + suffix, allow_files)


@pytest.mark.fuzz
@pytest.mark.slow
@settings(max_examples=5000, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempt=_composed(), noise=st.text(max_size=8), where=st.integers(min_value=0))
def test_many_mutated_escape_attempts_change_nothing(sandbox, monkeypatch, attempt, noise, where):
    monkeypatch.chdir(sandbox["dir"])
    template, allow_files, case, prefix, suffix = attempt
    text = prefix + _statement(sandbox, template, case) + suffix
    cut = where % (len(text) + 1)
    _attempt(sandbox, text[:cut] + noise + text[cut:], allow_files)


def test_databases_are_unchanged_by_every_attempt_above(sandbox, digests):
    # Runs last in this module: the bytes of the databases and canaries are those of before the first attempt.
    assert _digests(sandbox) == digests
    assert sorted(os.listdir(sandbox["dir"])) == ["other.duckdb", "secret.csv", "secret.parquet", "secret.txt", "world.duckdb"]
