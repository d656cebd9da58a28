"""`kgedit sql`: one read-only query over a world database."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit import checks, db
from kgedit.errors import KgeditError
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, out


def sql_command(
    statement: str = typer.Argument(..., help="One SQL query, e.g. \"SELECT * FROM relations\"."),
    db_path: Path = DbOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f",
                                     help="Output format (json writes NaN and ±Infinity as null)."),
    limit: int = typer.Option(1000, "--limit", help="Print at most this many rows (0 = all)."),
    allow_files: bool = typer.Option(False, "--allow-files",
                                     help="Let the query read files outside the database "
                                          "(read_csv, read_parquet, glob); it still writes nothing."),
) -> None:
    """Run one read-only query against the world database (tables, views, macros).

    The query sees the database and nothing else: no other file is read or written, no extension is
    loaded, and settings cannot be changed. --allow-files lets it read your own files.
    """
    checks.integer("--limit", limit, low=0)
    con = db.connect_locked(db_path, allow_files=allow_files)
    try:
        columns, rows = _run(con, statement, allow_files)
    finally:
        con.close()
    shown = rows if limit == 0 else rows[:limit]
    out(render_rows(columns, shown, fmt.value))
    if len(shown) < len(rows):
        typer.echo(f"({len(rows) - len(shown)} more rows not shown; use --limit 0 for all)", err=True)


def _run(con: db.Connection, text: str, allow_files: bool) -> tuple[list[str], list[tuple]]:
    try:
        return db.fetch(con, db.read_statement(con, text))
    except db.AccessError as exc:
        hint = (db.READ_ONLY_HINT if allow_files else
                "kgedit sql reads only the world database; pass --allow-files to read your own files.")
        raise KgeditError(f"SQL: {db.one_line_error(exc)}", hint) from None
    except db.Error as exc:
        raise KgeditError(f"SQL: {db.one_line_error(exc)}",
                          "The database is opened read-only; list tables with: kgedit sql \"SHOW TABLES\"") from None
