"""The only module that imports DuckDB: connections, named SQL files, schemas, atomic builds.

Other modules receive a connection from here and run SQL through it; fixed SQL lives in sql/*.sql
and is loaded by name, values are always bound parameters.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

try:
    import fcntl
except ImportError:                  # Windows
    fcntl = None  # type: ignore[assignment]

from kgedit.errors import KgeditError, SchemaError

Connection = duckdb.DuckDBPyConnection
Error = duckdb.Error

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# DuckDB's messages for a file another process holds, and for a file that is not (or no longer) a database.
_LOCKED = re.compile(r'Could not set lock on file "(?P<file>[^"]*)"(?:.*?\(PID (?P<pid>\d+)\))?', re.S)
_DAMAGED = re.compile(r'not a valid DuckDB database|Could not read enough bytes|Corrupt database|checksum'
                      r'|Failed to deserialize|file is too small', re.I)
_FILE_IN_MESSAGE = re.compile(r'file "(?P<file>[^"]*)"')


@cache
def sql_dir() -> Path:
    """sql/ mapped into the installed package, else the checkout's top-level sql/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise KgeditError("kgedit's SQL files are missing.", "Reinstall kgedit (pip install kgedit).")


@cache
def load_sql(name: str) -> str:
    """Text of sql/<name>.sql."""
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise KgeditError(f"Unknown SQL file {name!r}.", f"Expected {path}.")
    return path.read_text(encoding="utf-8")


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = True) -> Connection:
    """Open a DuckDB database (in memory when path is None).

    A read-only open, or one with create=False (the in-place writers of a world), needs an existing file.
    A read-write open holds DuckDB's lock on the file until closed: a second writer fails cleanly.
    """
    if path is None:
        return duckdb.connect(":memory:")
    path = Path(path)
    if path.is_dir():
        raise KgeditError(f"{path} is a folder, not a database file.", "Give the path of a .duckdb file with --db.")
    if (read_only or not create) and not path.is_file():
        raise KgeditError(
            f"No database at {path}." if not path.exists() else f"{path} is not a regular file.",
            "Build one first: kgedit world build --source synthetic --db " + str(path),
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise user_error(exc, path, writing=not read_only) or KgeditError(
            f"Cannot open {path} as a DuckDB database: {_one_line(exc)}",
            "Check the path, or that no other process is writing to it.") from None


def user_error(exc: BaseException, path: str | os.PathLike[str] | None = None, *,
               writing: bool = False) -> KgeditError | None:
    """The KgeditError a person should see for a DuckDB error about the file itself, else None.

    Two such errors: another process holds the file, and a damaged (e.g. truncated) or foreign file,
    which DuckDB may only notice when a query reads the damaged part, long after the open.
    """
    if not isinstance(exc, duckdb.Error):
        return None
    message = _one_line(exc)
    locked = _LOCKED.search(message)
    if locked:
        return busy_error(path or locked["file"], locked["pid"], writing=writing)
    if _DAMAGED.search(message):
        named = _FILE_IN_MESSAGE.search(message)
        where = path or (named["file"] if named else "The database")
        return KgeditError(f"{where} is not a kgedit world database (damaged or another format): {message}",
                           f"Rebuild it (kgedit world build --overwrite --db {where}) or restore it from a copy.")
    return None


def busy_error(path: str | os.PathLike[str], pid: str | None = None, *, writing: bool = False) -> KgeditError:
    who = f"Another kgedit process (PID {pid})" if pid else "Another kgedit process"
    return KgeditError(f"{who} is {'using' if writing else 'writing'} {path}.",
                       "Wait for it to finish, then run the command again: a database has one writer at a time, "
                       "and no reader while it is written.")


def execute_script(con: Connection, name: str) -> None:
    """Run every statement of sql/<name>.sql (schemas, views, comments)."""
    con.execute(load_sql(name))


def quote_identifier(name: str) -> str:
    """An identifier checked against a strict pattern; user identifiers never reach SQL unchecked."""
    if not _IDENTIFIER.match(name):
        raise KgeditError(f"Not a valid SQL identifier: {name!r}.")
    return f'"{name}"'


def table_exists(con: Connection, name: str) -> bool:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and blocks the next con.sql().
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name],
    ).fetchall()
    return bool(rows[0][0])


def require_tables(con: Connection, tables: Sequence[str], what: str, command: str) -> None:
    """Raise a SchemaError naming the command to run when a stage's tables are missing."""
    missing = [t for t in tables if not table_exists(con, t)]
    if missing:
        raise SchemaError(f"This database has no {what} (missing table {missing[0]}).", f"Run first: {command}")


def fetch(con: Connection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one statement."""
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description] if cur.description else []
    return columns, cur.fetchall()


@contextlib.contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """All-or-nothing: a stage that fails half-way leaves the database as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def building(path: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Connection]:
    """Build a new database into a temporary file beside `path`, moved to `path` only on success.

    A failure (or Ctrl-C) leaves no half-written database: the temporary file is removed and any
    existing file at `path` is untouched. One writer at a time: the build holds a lock file beside
    `path` and DuckDB's own lock on an existing `path` (the lock in-place writers hold) from the
    first check to the final move, so a second builder or writer fails cleanly instead of losing work.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise KgeditError(f"Folder {path.parent} does not exist." if not path.parent.exists()
                          else f"{path.parent} is a file, not a folder.", "Create it first or choose another --db.")
    with _write_lock(path):
        _check_target(path, overwrite)
        _remove_leftovers(path)      # under the lock, any earlier build's temporary file is a dead one's
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.building")
        con = duckdb.connect(str(tmp))
        try:
            yield con
            con.execute("CHECKPOINT")
            con.close()
            _publish(tmp, path, overwrite)
        finally:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def _check_target(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise KgeditError(f"{path} is a folder, not a database file.",
                          f"Give a file path, e.g. --db {path / 'world.duckdb'}.")
    if path.exists() and not path.is_file():
        raise KgeditError(f"{path} is not a regular file.", "Choose another --db.")
    if path.exists() and not overwrite:
        raise KgeditError(f"{path} already exists.", "Pass --overwrite to replace it, or choose another --db.")


def _remove_leftovers(path: Path) -> None:
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.building(\.wal)?$")
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.building*"):
        if pattern.match(leftover.name) and leftover.is_file():
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished build to `path`; without overwrite never over a file that appeared meanwhile."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)           # fails if path exists, unlike a rename
    except FileExistsError:
        raise KgeditError(f"{path} appeared while this build ran; it was left as it is.",
                          "Pass --overwrite to replace it, or choose another --db.") from None
    except OSError:                  # a file system without hard links: the lock makes the check safe enough
        if path.exists():
            raise KgeditError(f"{path} appeared while this build ran; it was left as it is.",
                              "Pass --overwrite to replace it, or choose another --db.") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


@contextlib.contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """Exclusive: the lock file .NAME.lock (builders) and, when `path` exists, DuckDB's lock on it (writers)."""
    if fcntl is None:                # no fcntl (Windows): builds are not guarded against each other
        yield
        return
    lock = path.with_name(f".{path.name}.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise KgeditError(f"Cannot create files in {path.parent}: {exc.strerror}.",
                          "Choose a folder you can write to.") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise busy_error(path, writing=True) from None
        try:
            if os.fstat(fd).st_ino != _inode(lock):     # a finishing builder removed it meanwhile
                raise busy_error(path, writing=True)
            target = _lock_existing(path)
            try:
                yield
            finally:
                if target is not None:
                    os.close(target)
        finally:
            if os.fstat(fd).st_ino == _inode(lock):
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()    # while still holding it; see the inode check above
    finally:
        os.close(fd)


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _lock_existing(path: Path) -> int | None:
    """DuckDB's own (POSIX) lock on an existing database: fails while any process has it open."""
    if not path.is_file():
        return None
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:                  # e.g. a read-only file: replacing it needs no write access to it
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise busy_error(path, writing=True) from None
    return fd


def one_line_error(exc: BaseException) -> str:
    """DuckDB's message on one line (its messages can span several)."""
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
