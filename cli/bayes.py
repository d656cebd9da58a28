"""`kgedit bayes`: fit the rational agent, export a subject's network (pgmpy only inside export)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from kgedit import db
from kgedit.bayes.fit import FitConfig, fit
from kgedit.report.render import render_rows

from .common import DbOption, new_app, option, out
from .progress import progress_display

bayes_app = new_app("The rational agent: fit posteriors from the evidence table, export networks.")


class NetworkFormat(str, Enum):
    xdsl = "xdsl"
    bif = "bif"


@bayes_app.command("fit")
def fit_command(db_path: Path = DbOption, prior_mass: float = option(FitConfig, "prior_mass")) -> None:
    """Materialise the bayes_* tables, views and macros from the evidence table (refits if present)."""
    FitConfig(prior_mass=prior_mass).check()    # before the database is opened
    con = db.connect(db_path, create=False)     # a missing --db is an error, never a new empty file
    try:
        with progress_display() as progress:
            summary = fit(con, prior_mass=prior_mass, progress=progress)
    finally:
        con.close()
    out(render_rows(["objects (K)", "prior mass", "evidence rows", "(subject, relation) beliefs", "conditional values"],
                    [(summary.n_objects, summary.prior_mass, summary.evidence_rows, summary.subject_relations,
                      summary.conditional_values)], "table"))


@bayes_app.command("export")
def export_command(subject: str = typer.Option(..., "--subject", help="Subject name (entities.name)."),
                   fmt: NetworkFormat = typer.Option(NetworkFormat.xdsl, "--format", help="xdsl (GeNIe) or bif."),
                   out_path: Path = typer.Option(..., "--out", help="File to write."),
                   db_path: Path = DbOption) -> None:
    """Write the subject's Bayesian network (U -> D per relation pair) for GeNIe/SMILE or BIF tools."""
    from kgedit.bayes.fit import require_fitted
    from kgedit.bayes.network import export

    con = db.connect(db_path, read_only=True)
    try:
        require_fitted(con, str(db_path))
        n = export(con, subject, fmt.value, out_path)
    finally:
        con.close()
    out(f"Wrote {n} nodes to {out_path}")
