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
Error = duckdb.Error

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
