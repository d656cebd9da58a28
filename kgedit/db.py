"""The only module that imports DuckDB: connections, named SQL files, schemas, atomic builds.

Other modules receive a connection from here and run SQL through it; fixed SQL lives in sql/*.sql
and is loaded by name, values are always bound parameters.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from kgedit.errors import KgeditError, SchemaError

Connection = duckdb.DuckDBPyConnection
Statement = duckdb.Statement
Error = duckdb.Error
# DuckDB refused to touch a file (a guard of connect_locked).
AccessError = duckdb.PermissionException

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Connection:
    """Open a DuckDB database (in memory when path is None). A read-only open needs an existing file."""
    if path is None:
        return duckdb.connect(":memory:")
    path = Path(path)
    if read_only and not path.is_file():
        raise KgeditError(
            f"No database at {path}.",
            "Build one first: kgedit world build --source synthetic --db " + str(path),
        )
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise KgeditError(f"Cannot open {path} as a DuckDB database: {_one_line(exc)}",
                          "Check the path, or that no other process is writing to it.") from exc


def connect_locked(path: str | os.PathLike[str], *, allow_files: bool = False) -> Connection:
    """Open an existing database read-only for a user's own SQL, behind DuckDB's guards, locked.

    DuckDB then refuses, by itself, every file but the database (read_csv, glob, COPY, EXPORT,
    ATTACH, replacement scans, INSTALL/LOAD) unless allow_files, and lock_configuration stops a
    statement from SET/RESET-ing a guard back. read_statement adds that only a query runs, so even
    with allow_files nothing is written. Extensions are never installed or loaded behind the user's back.
    """
    path = Path(path)
    if not path.is_file():
        raise KgeditError(f"No database at {path}.",
                          "Build one first: kgedit world build --source synthetic --db " + str(path))
    config = {"enable_external_access": allow_files, "autoinstall_known_extensions": False,
              "autoload_known_extensions": False, "allow_community_extensions": False,
              "lock_configuration": True}
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as exc:
        raise KgeditError(f"Cannot open {path} as a DuckDB database: {_one_line(exc)}",
                          "Check the path, or that no other process is writing to it.") from exc


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
    """Build a new database into a temporary file beside `path`, renamed over it only on success.

    A failure (or Ctrl-C) leaves no half-written database: the temporary file is removed and any
    existing file at `path` is untouched.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise KgeditError(f"{path} already exists.", "Pass --overwrite to replace it, or choose another --db.")
    if not path.parent.exists():
        raise KgeditError(f"Folder {path.parent} does not exist.", "Create it first or choose another --db.")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.building")
    con = duckdb.connect(str(tmp))
    try:
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(Exception):
            con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def one_line_error(exc: BaseException) -> str:
    """DuckDB's message on one line (its messages can span several)."""
    return _one_line(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
