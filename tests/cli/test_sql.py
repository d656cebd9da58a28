"""`kgedit sql`: read-only, three formats, one-line errors with exit 1."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()

PAIRS = [("educated at", "occupation")]
FACTS = [("Ann", "educated at", "Yale"), ("Ann", "occupation", "lawyer")]


def test_sql_prints_rows_as_json(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT name FROM relations ORDER BY name", "--db", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"name": "educated_at"}, {"name": "occupation"}]


def test_sql_prints_csv_with_header(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT label, role FROM relations ORDER BY label", "--db", str(path), "-f", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["label,role", "educated at,upstream", "occupation,downstream"]


def test_sql_syntax_error_is_one_line_and_exit_1(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELEC 1", "--db", str(path)])
    assert result.exit_code == 1
    error_lines = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert len(error_lines) == 1 and "syntax error" in error_lines[0]
    assert "Traceback" not in result.output


def test_sql_refuses_writes(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "DELETE FROM facts", "--db", str(path)])
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    again = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM facts", "--db", str(path), "-f", "csv"])
    assert again.stdout.splitlines() == ["n", "2"]


def test_sql_missing_database_names_the_build_command(tmp_path):
    result = runner.invoke(app, ["sql", "SELECT 1", "--db", str(tmp_path / "absent.duckdb")])
    assert result.exit_code == 1
    assert "Error: No database at" in result.stderr
    assert "kgedit world build" in result.stderr


def test_every_world_table_and_column_has_a_comment(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT table_name, column_name FROM duckdb_columns() "
                                 "WHERE NOT internal AND schema_name = 'main' AND (comment IS NULL OR comment = '')",
                                 "--db", str(path), "-f", "json"])
    assert json.loads(result.stdout) == []


# --- issue 18: one read-only query over the world database, printed literally, valid JSON.

def _error_lines(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith(("Error:", "Hint:"))]


def test_sql_copy_cannot_overwrite_another_database(make_world):
    path = make_world(PAIRS, FACTS)
    other = make_world(PAIRS, FACTS, name="other.duckdb")
    before = other.read_bytes()
    result = runner.invoke(app, ["sql", f"COPY (SELECT 'x') TO '{other}'", "--db", str(path)])
    assert result.exit_code == 1
    assert _error_lines(result)[0] == "Error: kgedit sql only runs queries, not COPY statements."
    assert other.read_bytes() == before


def test_sql_runs_exactly_one_statement(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    target = tmp_path / "written.csv"
    result = runner.invoke(app, ["sql", f"SELECT 1; COPY (SELECT 1) TO '{target}'", "--db", str(path)])
    assert result.exit_code == 1
    assert "runs one statement; got 2" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("text", ["", ";", "   \n\t", "-- only a comment", "/* nothing */ ;;"])
def test_sql_without_a_statement_is_an_error_with_a_hint(make_world, text):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "--db", str(path), "--", text])  # "--": text may start with "--"
    assert result.exit_code == 1, result.output
    assert _error_lines(result) == ["Error: No SQL statement given (only blanks, comments or ';').",
                                    "Hint: Pass one query, e.g. kgedit sql \"SHOW TABLES\""]


def test_sql_reads_no_file_outside_the_database(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    secret = tmp_path / "secret.csv"
    secret.write_text("word\nCANARY-7f3a\n", encoding="utf-8")
    for text in [f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM read_blob('{secret}')",
                 f"SELECT * FROM read_text('{secret}')", f"SELECT * FROM glob('{tmp_path}/*')", f"FROM '{secret}'"]:
        result = runner.invoke(app, ["sql", text, "--db", str(path)])
        assert result.exit_code == 1, text
        assert "CANARY" not in result.output and "secret.csv" not in result.stdout
        assert result.stderr.startswith("Error: SQL:"), result.stderr


def test_sql_permission_error_hints_at_allow_files(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT * FROM read_csv('/etc/passwd')", "--db", str(path)])
    assert result.exit_code == 1
    assert "Permission Error" in result.stderr and "--allow-files" in _error_lines(result)[1]


def test_sql_cannot_unlock_its_guards(make_world):
    path = make_world(PAIRS, FACTS)
    for text in ["SET enable_external_access = true", "RESET enable_external_access", "SET lock_configuration = false"]:
        result = runner.invoke(app, ["sql", text, "--db", str(path)])
        assert result.exit_code == 1 and "not SET statements" in result.stderr, text
    result = runner.invoke(app, ["sql", "SELECT current_setting('enable_external_access') AS ext, "
                                 "current_setting('lock_configuration') AS locked, "
                                 "current_setting('autoload_known_extensions') AS autoload", "--db", str(path), "-f", "json"])
    assert json.loads(result.stdout) == [{"ext": False, "locked": True, "autoload": False}]


def test_sql_allow_files_reads_own_files_but_writes_nothing(make_world, tmp_path):
    path = make_world(PAIRS, FACTS)
    mine = tmp_path / "mine.csv"
    mine.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["sql", f"SELECT * FROM read_csv('{mine}')", "--db", str(path), "--allow-files", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["a,b", "1,2"]
    target = tmp_path / "out.csv"
    for text in [f"COPY (SELECT 1) TO '{target}'", f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{target}'",
                 f"EXPLAIN (ANALYZE, FORMAT json) COPY (SELECT 1) TO '{target}'", f"EXPORT DATABASE '{tmp_path / 'exp'}'"]:
        result = runner.invoke(app, ["sql", text, "--db", str(path), "--allow-files"])
        assert result.exit_code == 1, text
        assert "only runs queries" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv", "world.duckdb"]


@pytest.mark.parametrize("text", ["SHOW TABLES", "DESCRIBE facts", "SUMMARIZE facts", "FROM relations",
                                  "EXPLAIN SELECT * FROM facts", "EXPLAIN ANALYZE SELECT count(*) FROM facts",
                                  "/* hi */ SELECT 1 AS x;", "SELECT * FROM pragma_table_info('facts')"])
def test_sql_runs_every_kind_of_query(make_world, text):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", text, "--db", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)


def test_sql_table_prints_cells_and_headers_literally(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT '[/]' AS a, '[bold]x[/bold]' AS \"[red]h\", ':smile:' AS e", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "[/]" in result.stdout and "[bold]x[/bold]" in result.stdout
    assert "[red]h" in result.stdout and ":smile:" in result.stdout


def test_sql_json_writes_non_finite_numbers_as_null(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT 'nan'::DOUBLE AS n, 'inf'::DOUBLE AS i, '-inf'::FLOAT AS m, "
                                 "['nan'::DOUBLE, 1.5] AS l, 2.50::DECIMAL(4,2) AS d, INTERVAL 1 DAY AS t",
                                 "--db", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output

    def invalid(constant):
        raise AssertionError(f"invalid JSON constant {constant}")

    assert json.loads(result.stdout, parse_constant=invalid) == [
        {"n": None, "i": None, "m": None, "l": [None, 1.5], "d": 2.5, "t": "1 day, 0:00:00"}]
    csv_result = runner.invoke(app, ["sql", "SELECT 'nan'::DOUBLE AS n, 'inf'::DOUBLE AS i", "--db", str(path), "-f", "csv"])
    assert csv_result.stdout.splitlines() == ["n,i", "nan,inf"]


def test_sql_negative_limit_is_an_error(make_world):
    path = make_world(PAIRS, FACTS)
    result = runner.invoke(app, ["sql", "SELECT 1", "--db", str(path), "--limit", "-1"])
    assert result.exit_code == 1
    assert "Error: --limit must be at least 0" in result.stderr
