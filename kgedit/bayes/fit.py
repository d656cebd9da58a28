"""Fit the Bayesian model: sparse-plus-uniform count tables and shared conditionals, all in SQL.

The fitted tables (bayes_*) are derived from evidence and the world; they are rebuilt as a whole
inside one transaction, so a failed fit leaves the previous fit (or none) in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kgedit import checks, db
from kgedit.errors import KgeditError

BAYES_TABLES = ("bayes_info", "bayes_counts", "bayes_totals", "bayes_shares", "bayes_conditional_totals",
                "bayes_conditionals", "bayes_column_sums", "bayes_pairs")
WORLD_TABLES = ("entities", "relations", "relation_pairs", "objects")
FIT_HINT = "Fit the model first: kgedit bayes fit --db {db}"


@dataclass(frozen=True)
class FitSummary:
    n_objects: int
    prior_mass: float
    evidence_rows: int
    subject_relations: int
    conditional_values: int


def is_fitted(con: db.Connection) -> bool:
    return all(db.table_exists(con, t) for t in BAYES_TABLES)


def require_fitted(con: db.Connection, db_label: str = "world.duckdb") -> None:
    db.require_tables(con, BAYES_TABLES, "fitted Bayesian model", f"kgedit bayes fit --db {db_label}")


def check_prior_mass(prior_mass: float, name: str = "--prior-mass") -> float:
    """The Dirichlet prior's total mass: a finite positive number (the paper uses 1)."""
    return checks.finite(name, prior_mass, low=0, low_open=True, hint="Use the default 1.0.")


def fit(con: db.Connection, *, prior_mass: float = 1.0,
        progress: Callable[[str], None] | None = None) -> FitSummary:
    """(Re)build the bayes_* tables, views and macros from `evidence` in one transaction."""
    db.require_tables(con, WORLD_TABLES, "world", "kgedit world build --db PATH")
    db.require_tables(con, ("evidence",), "evidence table", "kgedit corpus generate --db PATH")
    if not prior_mass > 0:
        raise KgeditError(f"prior_mass must be positive, got {prior_mass}.", "Use the default 1.0.")
    (k,) = con.execute("SELECT count(*) FROM objects").fetchall()[0]
    if k < 2:
        raise KgeditError(f"The world has {k} objects; beliefs need at least 2.", "Build a larger world.")
    bad = con.execute("SELECT count(*) FROM evidence e LEFT JOIN objects o USING (object_id) "
                      "WHERE o.object_id IS NULL").fetchall()[0][0]
    if bad:
        raise KgeditError(f"{bad} evidence rows name an object that is not in objects.",
                          "Rebuild the corpus from this world: kgedit corpus generate.")
    with db.transaction(con):
        _drop_views(con)
        for table in BAYES_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {db.quote_identifier(table)}")
        if progress:
            progress("counts")
        con.execute("CREATE TABLE bayes_info AS SELECT ?::DOUBLE AS prior_mass, ?::BIGINT AS n_objects, "
                    "?::DOUBLE / ? AS alpha, (SELECT count(*) FROM evidence) AS evidence_rows",
                    [prior_mass, k, prior_mass, k])
        db.execute_script(con, "bayes_info_comments")
        db.execute_script(con, "bayes_fit")
        if progress:
            progress("views")
        create_views(con)
    rows = con.execute("SELECT (SELECT evidence_rows FROM bayes_info), (SELECT count(*) FROM bayes_totals), "
                       "(SELECT count(*) FROM bayes_conditional_totals)").fetchall()[0]
    return FitSummary(n_objects=int(k), prior_mass=float(prior_mass), evidence_rows=int(rows[0]),
                      subject_relations=int(rows[1]), conditional_values=int(rows[2]))


def create_views(con: db.Connection) -> None:
    """Views and table macros for ad-hoc SQL (sql/views_bayes.sql); the macros reuse the posterior SQL."""
    from kgedit.bayes.macros import macro_statements

    db.execute_script(con, "views_bayes")
    for statement in macro_statements():
        con.execute(statement)


def _drop_views(con: db.Connection) -> None:
    from kgedit.bayes.macros import MACROS, VIEWS

    for view in VIEWS:
        con.execute(f"DROP VIEW IF EXISTS {db.quote_identifier(view)}")
    for macro in MACROS:
        con.execute(f"DROP MACRO TABLE IF EXISTS {db.quote_identifier(macro)}")
