"""`kgedit cases`: generate benchmark cases with Bayesian targets, show one case."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit import db
from kgedit.cases.config import CasesConfig
from kgedit.report.render import render_rows, to_json

from .common import DbOption, OutputFormat, new_app, option, out
from .progress import progress_display

cases_app = new_app("Benchmark cases: edit requests, probes and their Bayesian targets (SPEC 6).")


@cases_app.command("generate")
def generate(
    db_path: Path = DbOption,
    n: int = option(CasesConfig, "n"),
    seed: int = option(CasesConfig, "seed"),
    target: float = option(CasesConfig, "target"),
    weight: float = option(CasesConfig, "weight"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing cases (atomically)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format of the summary."),
) -> None:
    """Sample cases, score their probes with the Bayesian model (fits it first if needed), write the tables."""
    from kgedit.cases.build import generate_cases

    config = CasesConfig(n=n, seed=seed, target=target, weight=weight)
    config.check()
    # A missing file is an error (with the command that builds one), never a new empty database.
    con = db.connect(db_path, read_only=True) if not db_path.is_file() else db.connect(db_path)
    try:
        with progress_display() as progress:
            summary = generate_cases(con, config, overwrite=overwrite, db_label=str(db_path), progress=progress)
    finally:
        con.close()
    out(render_rows(["quantity", "value"], summary.rows(), fmt.value))


@cases_app.command("show")
def show(
    db_path: Path = DbOption,
    case_id: int = typer.Option(None, "--case", help="Case id (default: the first case)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json."),
) -> None:
    """Print one case: the edit request, its probes with targets, and its logical probes."""
    from kgedit.cases.show import show_case

    con = db.connect(db_path, read_only=True)
    try:
        view = show_case(con, case_id, str(db_path))
    finally:
        con.close()
    if fmt == OutputFormat.json:
        out(to_json(view.as_dict()))
        return
    cols, rows = view.case
    out(render_rows(["field", "value"], list(zip(cols, rows[0])), fmt.value, title=f"case {rows[0][0]}"))
    out(render_rows(*view.probes, fmt.value, title="probes (Bayesian targets)"))
    out(render_rows(*view.logical, fmt.value, title="logical probes"))
