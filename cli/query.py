"""`kgedit query`: the query language of SPEC §5 over a fitted world database (light imports only)."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit import db
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, out


def query_command(
    text: str = typer.Argument(..., help='A query, e.g. \'P(place_of_birth | subject="Alan Cottrell")\'.'),
    db_path: Path = DbOption,
    top: int = typer.Option(10, "--top", "-k", help="Show the K most probable objects."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    explain: bool = typer.Option(False, "--explain", help="Print the SQL and its bound parameters too."),
) -> None:
    """Ask the rational agent: distributions, probabilities, population conditionals, edits, formulas."""
    from kgedit.query.answer import explain as explain_plan
    from kgedit.query.answer import run_query

    con = db.connect(db_path, read_only=True)
    try:
        plan, columns, rows = run_query(con, text, top=top, db_label=str(db_path))
    finally:
        con.close()
    if explain:
        typer.echo(explain_plan(plan), err=fmt is not OutputFormat.table)
    out(render_rows(columns, rows, fmt.value, title=plan.title if fmt is OutputFormat.table else None))
