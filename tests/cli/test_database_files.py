"""Database files through the CLI: targets that are folders or under a file, damaged or foreign files, a
database another process writes. Each is `Error:`/`Hint:` with exit 1, before any work, and changes no file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.app import app
from kgedit import db

runner = CliRunner()


def kgedit(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") or "\nError: " in result.stderr, result.stderr
    assert "\nHint: " in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_world_build_over_a_folder_fails_before_any_work(tmp_path):
    (tmp_path / "folder").mkdir()
    result = kgedit("world", "build", "--source", "synthetic", "--subjects", "20", "--db", str(tmp_path / "folder"), "--overwrite")
    assert_user_error(result, "is a folder, not a database file")
    assert list((tmp_path / "folder").iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["folder"]


def test_world_build_over_the_current_folder_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in (".", str(tmp_path) + "/."):
        assert_user_error(kgedit("world", "build", "--db", folder), "is a folder, not a database file")
    assert list(tmp_path.iterdir()) == []


def test_world_build_under_a_file_fails_before_any_work(tmp_path):
    (tmp_path / "file").write_text("the user's file")
    assert_user_error(kgedit("world", "build", "--source", "synthetic", "--subjects", "20", "--db", str(tmp_path / "file" / "w.duckdb")),
                      "is a file, not a folder")
    assert (tmp_path / "file").read_text() == "the user's file"


def test_a_second_world_build_of_the_same_new_path_fails_cleanly(tmp_path):
    target = tmp_path / "w.duckdb"
    with db.building(target, overwrite=False) as con:     # the first build, still running
        con.execute("CREATE TABLE first AS SELECT 1 AS i")
        assert_user_error(kgedit("world", "build", "--source", "synthetic", "--subjects", "20", "--db", str(target)),
                          "Another kgedit process is using")
    con = db.connect(target, read_only=True)
    assert db.table_exists(con, "first")                   # the first build is whole, not replaced
    con.close()


@pytest.fixture
def damaged(bayes_world, tmp_path):
    """A fitted world cut at several sizes (some fail at the open, some only when a query reads the lost
    part, some lose nothing a command reads), and a text file with a database's name."""
    data = bayes_world.read_bytes()
    paths = []
    for fraction in (0.02, 0.25, 0.5, 0.75, 0.95):
        path = tmp_path / f"cut{int(fraction * 100)}.duckdb"
        path.write_bytes(data[:int(len(data) * fraction)])
        paths.append(path)
    (tmp_path / "notes.duckdb").write_text("my notes\n")
    return paths + [tmp_path / "notes.duckdb"]


@pytest.mark.parametrize("command", [
    ("query", "P(occupation | subject=Cy)"), ("sql", "SELECT * FROM bayes_info"), ("bayes", "fit"),
    ("world", "info"), ("corpus", "stats"), ("cases", "generate", "--n", "2"),
])
def test_damaged_or_foreign_databases_are_clear_errors(bayes_world, damaged, command, tmp_path):
    intact = tmp_path / "intact.duckdb"
    intact.write_bytes(bayes_world.read_bytes())
    expected = kgedit(*command, "--db", str(intact))
    for path in damaged:
        result = kgedit(*command, "--db", str(path))
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if "(damaged or another format)" in result.stderr:
            assert_user_error(result, f"{path} is not a kgedit world database (damaged or another format)",
                              "Rebuild it (kgedit world build --overwrite")
        else:       # the cut lost nothing this command reads: the same answer (or error) as the intact file
            assert (result.exit_code, result.stdout) == (expected.exit_code, expected.stdout), result.output
    assert "(damaged or another format)" in kgedit(*command, "--db", str(damaged[0])).stderr
    assert "(damaged or another format)" in kgedit(*command, "--db", str(damaged[-1])).stderr
    assert damaged[-1].read_text() == "my notes\n"


def test_bayes_fit_on_a_missing_database_creates_no_file(tmp_path):
    assert_user_error(kgedit("bayes", "fit", "--db", str(tmp_path / "none.duckdb")), "No database at")
    assert list(tmp_path.iterdir()) == []
