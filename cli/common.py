"""Shared CLI pieces: the error-handling command group, common options, output helpers."""

from __future__ import annotations

import sys
from dataclasses import MISSING
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from kgedit.checks import option_name
from kgedit.errors import KgeditError
from kgedit.settings import setting_of


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# readable=False: click's check would end an unreadable file with a usage error (exit 2); opening it
# gives Error:/Hint: (exit 1) instead.
DbOption = typer.Option(Path("world.duckdb"), "--db", help="World database file.", show_default=True, readable=False)


def option(config: type, name: str, **options: Any) -> Any:
    """The option --field-name of a stage config's field, with the field's default (required without one) and
    help text: written once, in the dataclass (kgedit.settings). `options` go to typer.Option (readable,
    metavar, ...); default= stands for a field the command takes in another form (a preset by its name)."""
    spec = setting_of(config, name)
    default = options.pop("default", ... if spec.default is MISSING else spec.default)
    return typer.Option(default, option_name(name), help=spec.metadata["help"], **options)


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
        except Exception as exc:
            error = _database_error(exc)
            if error is None:
                raise
            print_error(error.message, error.hint)
            raise typer.Exit(1) from None


def _database_error(exc: Exception) -> KgeditError | None:
    """A damaged or busy database noticed only while a query ran (DuckDB reads lazily): a user error too."""
    if "duckdb" not in sys.modules:   # no DuckDB code ran; do not import it here
        return None
    from kgedit.db import user_error

    return user_error(exc)


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=KgeditGroup, help=help_text, no_args_is_help=True,
                       pretty_exceptions_enable=False, add_completion=False)


def out(text: str) -> None:
    """Results go to stdout."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
