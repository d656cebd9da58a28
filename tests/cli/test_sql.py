"""`kgedit sql`: read-only, three formats, one-line errors with exit 1."""

from __future__ import annotations

import json

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
