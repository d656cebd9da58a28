"""Shared CLI pieces: the error-handling command group, common options, output helpers."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer
from typer.core import TyperGroup

from kgedit.errors import KgeditError


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# readable=False: click's check would end an unreadable file with a usage error (exit 2); opening it
# gives Error:/Hint: (exit 1) instead.
DbOption = typer.Option(Path("world.duckdb"), "--db", help="World database file.", show_default=True, readable=False)


def print_error(message: str, hint: str | None = None) -> None:
    typer.echo(f"Error: {message}", err=True)
    if hint:
        typer.echo(f"Hint: {hint}", err=True)


def warn(message: str) -> None:
    """Something the user should know about a command that still succeeded (stderr, exit 0)."""
    typer.echo(f"Warning: {message}", err=True)


class KgeditGroup(TyperGroup):
    """Turns a KgeditError raised anywhere below into 'Error: … / Hint: …' and exit status 1."""

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KgeditError as exc:
            print_error(exc.message, exc.hint)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            print_error("Interrupted.", "Nothing half-written was kept; run the command again.")
            raise typer.Exit(130) from None


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=KgeditGroup, help=help_text, no_args_is_help=True,
                       pretty_exceptions_enable=False, add_completion=False)


def out(text: str) -> None:
    """Results go to stdout."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
