"""The `kgedit` command. Each command group lives in its own module; heavy libraries (torch,
transformers, peft, pgmpy) are imported only inside the commands that need them."""

from __future__ import annotations

import typer

from kgedit import __version__

from .common import new_app
from .lm import lm_app, train_command
from .cases import cases_app
from .corpus import corpus_app
from .evaluate import evaluate_command, report_command
from .bayes import bayes_app
from .query import query_command
from .run import run_command
from .sql import sql_command
from .trace import trace_command
from .tune import tune_command
from .world import world_app

app = new_app("kgedit: a formal world from Wikidata, exact Bayesian belief revision, and model-editing evaluation.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kgedit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """kgedit: a formal world from Wikidata, exact Bayesian belief revision, and model-editing evaluation."""


app.command("sql")(sql_command)
app.command("query")(query_command)
app.add_typer(bayes_app, name="bayes")
app.add_typer(world_app, name="world")
app.add_typer(corpus_app, name="corpus")
app.add_typer(cases_app, name="cases")
app.add_typer(lm_app, name="lm")
app.command("train")(train_command)
app.command("evaluate")(evaluate_command)
app.command("report")(report_command)
app.command("run")(run_command)
app.command("trace")(trace_command)
app.command("tune")(tune_command)


def run() -> None:
    app()
