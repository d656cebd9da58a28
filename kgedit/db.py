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
Statement = duckdb.Statement
Error = duckdb.Error
# DuckDB refused to touch a file (a guard of connect_locked).
AccessError = duckdb.PermissionException

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INCLUDE = re.compile(r"^-- include: (?P<name>\w+)\.sql$", re.M)
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
    """Text of sql/<name>.sql, each line `-- include: other.sql` replaced by the text of sql/other.sql.

    Statements that share a computation (the posterior, n') include its one file instead of copying it.
    """
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise KgeditError(f"Unknown SQL file {name!r}.", f"Expected {path}.")
    return _INCLUDE.sub(lambda m: load_sql(m["name"]).rstrip("\n"), path.read_text(encoding="utf-8"))


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = True, config: dict[str, Any] | None = None) -> Connection:
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
            "Build one first: kgedit world build --db " + str(path),
        )
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
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


def connect_locked(path: str | os.PathLike[str], *, allow_files: bool = False) -> Connection:
    """Open an existing database read-only for a user's own SQL, behind DuckDB's guards, locked.

    DuckDB then refuses, by itself, every file but the database (read_csv, glob, COPY, EXPORT,
    ATTACH, replacement scans, INSTALL/LOAD) unless allow_files, and lock_configuration stops a
    statement from SET/RESET-ing a guard back. read_statement adds that only a query runs, so even
    with allow_files nothing is written. Extensions are never installed or loaded behind the user's back.
    """
    config = {"enable_external_access": allow_files, "autoinstall_known_extensions": False,
              "autoload_known_extensions": False, "allow_community_extensions": False,
              "lock_configuration": True}
    return connect(path, read_only=True, config=config)


# Queries only: SHOW, DESCRIBE, SUMMARIZE, VALUES, PIVOT and FROM-first queries parse as SELECT too.
_QUERY = duckdb.StatementType.SELECT
_EXPLAIN = duckdb.StatementType.EXPLAIN
READ_ONLY_HINT = ("kgedit sql runs one query (SELECT, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN) over the database, "
                  "opened read-only; save results with --format csv/json > FILE.")


def read_statement(con: Connection, text: str) -> Statement:
    """The one query in `text`, as DuckDB parses it; anything else is a KgeditError.

    The statement type comes from DuckDB's parser, not from matching text, so comments, casing and
    quoting cannot hide a COPY, ATTACH, SET or a second statement. An EXPLAIN is a query when the
    statement it explains is one (EXPLAIN ANALYZE runs it). A syntax error propagates as db.Error.
    """
    statements = con.extract_statements(text)
    if not statements:
        raise KgeditError("No SQL statement given (only blanks, comments or ';').",
                          'Pass one query, e.g. kgedit sql "SHOW TABLES"')
    if len(statements) > 1:
        raise KgeditError(f"kgedit sql runs one statement; got {len(statements)}.",
                          "Run each statement with its own kgedit sql.")
    statement = statements[0]
    kind = statement.type
    if kind == _EXPLAIN:
        explained = con.extract_statements(_explained_text(statement.query))
        kind = explained[0].type if len(explained) == 1 else kind
    if kind != _QUERY:
        raise KgeditError(f"kgedit sql only runs queries, not {kind.name} statements.", READ_ONLY_HINT)
    return statement


def _explained_text(text: str) -> str:
    """What follows EXPLAIN, its (options) and ANALYZE in `text`, found with DuckDB's tokenizer."""
    tokens = duckdb.tokenize(text)
    depth, started = 0, False
    for i, (start, kind) in enumerate(tokens):
        end = tokens[i + 1][0] if i + 1 < len(tokens) else len(text)
        word = text[start:end].strip()
        if kind == duckdb.token_type.comment:
            continue
        if kind == duckdb.token_type.operator:
            depth += word.count("(") - word.count(")")
        elif depth == 0 and started and word.upper() != "ANALYZE":
            return text[start:]
        started = True
    return ""


def execute_script(con: Connection, name: str) -> None:
    """Run every statement of sql/<name>.sql (schemas, views, comments)."""
    con.execute(load_sql(name))


def quote_identifier(name: str) -> str:
    """An identifier checked against a strict pattern; user identifiers never reach SQL unchecked."""
    if not _IDENTIFIER.match(name):
        raise KgeditError(f"Not a valid SQL identifier: {name!r}.")
    return f'"{name}"'


def count_rows(con: Connection, table: str) -> int:
    """Rows of `table` (a name from kgedit's code: a table name cannot be a bound parameter, so it is checked)."""
    return con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchall()[0][0]


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


def fetch(con: Connection, sql: str | Statement, params: Sequence[Any] | dict[str, Any] | None = None
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
    _not_a_folder(path)              # before the lock: a folder such as "." has no name to put a lock beside
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


def _not_a_folder(path: Path) -> None:
    if path.is_dir():
        raise KgeditError(f"{path} is a folder, not a database file.",
                          f"Give a file path, e.g. --db {path / 'world.duckdb'}.")


def _check_target(path: Path, overwrite: bool) -> None:
    _not_a_folder(path)              # again under the lock: a folder may have appeared since
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
    appeared = KgeditError(f"{path} appeared while this build ran; it was left as it is.",
                           "Pass --overwrite to replace it, or choose another --db.")
    try:
        os.link(tmp, path)           # fails if path exists, unlike a rename
    except FileExistsError:
        raise appeared from None
    except OSError:                  # a file system without hard links: the lock makes the check safe enough
        if path.exists():
            raise appeared from None
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
