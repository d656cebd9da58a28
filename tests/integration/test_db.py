"""kgedit.db on hostile ground: concurrent writers, a file that appears during a build, leftovers of a killed
build, folders and damaged files where a database should be."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.world.build import SyntheticSource, build_world

from ..conftest import REPO

HOLD_OPEN = ("import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('ready', flush=True)\n"
             "sys.stdin.read()\n")


@contextlib.contextmanager
def open_in_another_process(path: Path):
    """A second process with `path` open read-write, as `kgedit corpus generate` has it while it writes."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def kgedit_process(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kgedit", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def marked_world(path: Path) -> Path:
    con = db.connect(path)
    con.execute("CREATE TABLE users_work AS SELECT 42 AS answer")
    con.close()
    return path


def answer(path: Path) -> int:
    con = db.connect(path, read_only=True)
    try:
        return con.execute("SELECT answer FROM users_work").fetchall()[0][0]
    finally:
        con.close()


def test_a_build_fails_cleanly_while_another_process_writes_the_database(tmp_path):
    world = marked_world(tmp_path / "w.duckdb")
    with open_in_another_process(world):
        with pytest.raises(KgeditError, match="Another kgedit process is using"):
            build_world(world, SyntheticSource(subjects=20), overwrite=True)
    assert answer(world) == 42                                   # the writer's database was not replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_a_writer_fails_cleanly_while_a_build_replaces_the_database(tmp_path):
    world = marked_world(tmp_path / "w.duckdb")
    with db.building(world, overwrite=True) as con:
        con.execute("CREATE TABLE users_work AS SELECT 7 AS answer")
        writer = kgedit_process("corpus", "generate", "--db", str(world))
        assert writer.returncode == 1, writer.stderr
        assert writer.stderr.startswith("Error: Another kgedit process") and "Hint: " in writer.stderr
        assert "Traceback" not in writer.stderr
    assert answer(world) == 7


@pytest.mark.parametrize("exists", [False, True])
def test_a_second_build_of_the_same_database_fails_cleanly(tmp_path, exists):
    world = marked_world(tmp_path / "w.duckdb") if exists else tmp_path / "w.duckdb"
    with db.building(world, overwrite=True) as con:
        con.execute("CREATE TABLE users_work AS SELECT 1 AS answer")
        with pytest.raises(KgeditError, match="Another kgedit process is using"):
            with db.building(world, overwrite=True):
                pass
    assert answer(world) == 1                                    # the first build won, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_a_build_never_replaces_a_file_that_appeared_meanwhile(tmp_path):
    target = tmp_path / "w.duckdb"
    with pytest.raises(KgeditError, match="appeared while this build ran"):
        with db.building(target, overwrite=False) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS i")
            target.write_text("the user's file")
    assert target.read_text() == "the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_a_killed_builds_leftovers_are_removed_by_the_next_build(tmp_path):
    stale = [tmp_path / ".w.duckdb.0badf00d.building", tmp_path / ".w.duckdb.0badf00d.building.wal"]
    for path in stale:
        path.write_bytes(b"half a database")
    unrelated = [tmp_path / ".w.duckdb.notes", tmp_path / ".other.duckdb.0badf00d.building"]
    for path in unrelated:
        path.write_text("keep")
    build_world(tmp_path / "w.duckdb", SyntheticSource(subjects=20))
    assert not any(path.exists() for path in stale)
    assert all(path.read_text() == "keep" for path in unrelated)
    assert not (tmp_path / ".w.duckdb.lock").exists()


def test_a_failed_build_leaves_no_lock_or_temporary_file(tmp_path):
    with pytest.raises(RuntimeError):
        with db.building(tmp_path / "w.duckdb", overwrite=False):
            raise RuntimeError("the source was bad")
    assert list(tmp_path.iterdir()) == []


def test_build_targets_that_are_not_files_fail_before_any_work(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(KgeditError, match="is a folder, not a database file"):
        build_world(tmp_path / "folder", SyntheticSource(subjects=20), overwrite=True)
    with pytest.raises(KgeditError, match="is a file, not a folder"):
        build_world(tmp_path / "file" / "w.duckdb", SyntheticSource(subjects=20))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]
    assert list((tmp_path / "folder").iterdir()) == []


@pytest.mark.parametrize("read_only", [True, False])
def test_folders_and_damaged_files_are_clear_errors(tmp_path, read_only):
    world = tmp_path / "w.duckdb"
    build_world(world, SyntheticSource(subjects=20))
    (tmp_path / "folder").mkdir()
    with pytest.raises(KgeditError, match="is a folder, not a database file"):
        db.connect(tmp_path / "folder", read_only=read_only)
    (tmp_path / "text.duckdb").write_text("hello\n")
    (tmp_path / "cut.duckdb").write_bytes(world.read_bytes()[:5000])
    for name in ("text.duckdb", "cut.duckdb"):
        with pytest.raises(KgeditError, match="is not a kgedit world database \\(damaged or another format\\)"):
            db.connect(tmp_path / name, read_only=read_only)


def test_an_in_place_writer_needs_an_existing_database(tmp_path):
    with pytest.raises(KgeditError, match="No database at"):
        db.connect(tmp_path / "none.duckdb", create=False)
    assert not (tmp_path / "none.duckdb").exists()
