"""`kgedit sql`: read-only ad-hoc SQL over a world database."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, out


def sql_command(
    statement: str = typer.Argument(..., help="One SQL statement, e.g. \"SELECT * FROM relations\"."),
    db_path: Path = DbOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    limit: int = typer.Option(1000, "--limit", help="Print at most this many rows (0 = all)."),
) -> None:
    """Run one read-only SQL statement against the world database (tables, views, macros)."""
    con = db.connect(db_path, read_only=True)
    try:
        try:
            columns, rows = db.fetch(con, statement)
        except db.Error as exc:
            raise KgeditError(f"SQL: {db.one_line_error(exc)}",
                              "The database is opened read-only; list tables with: kgedit sql \"SHOW TABLES\"") from None
    finally:
        con.close()
    shown = rows if limit <= 0 else rows[:limit]
    out(render_rows(columns, shown, fmt.value))
    if len(shown) < len(rows):
        typer.echo(f"({len(rows) - len(shown)} more rows not shown; use --limit 0 for all)", err=True)
