"""Fit the Bayesian model: sparse-plus-uniform count tables and shared conditionals, all in SQL.

The fitted tables (bayes_*) are derived from evidence and the world; they are rebuilt as a whole
inside one transaction, so a failed fit leaves the previous fit (or none) in place.

A fit records a fingerprint of the corpus it was made from (bayes_info.corpus_fingerprint). Readers of
the fit (`kgedit query`, `bayes export`, the bayes editor) refuse a fit whose corpus has since been
regenerated: they open the database read-only and must stay fast, so they cannot refit themselves.
`kgedit cases generate` writes to the database anyway and refits a stale fit (with its prior mass).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kgedit import checks, db
from kgedit.errors import KgeditError, SchemaError
from kgedit.progress import Progress, Steps
from kgedit.settings import setting

BAYES_TABLES = ("bayes_info", "bayes_counts", "bayes_totals", "bayes_shares", "bayes_conditional_totals",
                "bayes_conditionals", "bayes_column_sums", "bayes_pairs")
WORLD_TABLES = ("entities", "relations", "relation_pairs", "objects")
FIT_HINT = "Fit the model first: kgedit bayes fit --db {db}"


@dataclass(frozen=True)
class FitConfig:
    """The fit's one setting (`kgedit bayes fit`, the experiment file's [bayes] section)."""

    prior_mass: float = setting(1.0, help="Dirichlet prior mass (alpha_o = mass/K).")

    def check(self, name: checks.Namer = checks.option_name) -> None:
        check_prior_mass(self.prior_mass, name("prior_mass"))


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
    """A fit must exist and be made from the corpus now in the database."""
    db.require_tables(con, BAYES_TABLES, "fitted Bayesian model", f"kgedit bayes fit --db {db_label}")
    recorded = _recorded_fingerprint(con)
    if recorded is None:
        raise SchemaError("The Bayesian fit does not record which corpus it was made from (it was made by an "
                          "older kgedit), so it may be stale.", f"Refit it: kgedit bayes fit --db {db_label}")
    if recorded != corpus_fingerprint(con):
        raise SchemaError("The Bayesian fit is older than the corpus (the corpus was regenerated after the fit); "
                          "its answers would be stale.", f"Refit it: kgedit bayes fit --db {db_label}")


def is_current(con: db.Connection) -> bool:
    """A fit exists and was made from the corpus (evidence) now in the database."""
    return is_fitted(con) and _made_from_this_corpus(con)


def _made_from_this_corpus(con: db.Connection) -> bool:
    return _recorded_fingerprint(con) == corpus_fingerprint(con)


def _recorded_fingerprint(con: db.Connection) -> str | None:
    columns, rows = db.fetch(con, "SELECT * FROM bayes_info")   # a fit by an older kgedit has no fingerprint
    return dict(zip(columns, rows[0])).get("corpus_fingerprint") if rows else None


def fitted_prior_mass(con: db.Connection, default: float = FitConfig.prior_mass) -> float:
    """The prior mass of the present fit (to refit with the same prior), or `default` without one."""
    if not db.table_exists(con, "bayes_info"):
        return default
    return float(con.execute("SELECT prior_mass FROM bayes_info").fetchall()[0][0])


def corpus_fingerprint(con: db.Connection) -> str:
    """Changes whenever the corpus is regenerated differently: a hash of the corpus_info row (generation
    parameters, seed, counts, version) and the evidence row count. Cheap (two tiny reads), so every
    query can compare it. Regenerating with identical settings gives an identical corpus (the stages are
    deterministic), hence the same fingerprint and a fit that is still right."""
    def read(table: str, sql: str) -> list | None:
        return con.execute(sql).fetchall() if db.table_exists(con, table) else None

    parts = (read("corpus_info", "SELECT * FROM corpus_info"), read("evidence", "SELECT count(*) FROM evidence"))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def check_prior_mass(prior_mass: float, name: str = "--prior-mass") -> float:
    """The Dirichlet prior's total mass: a finite positive number (the paper uses 1)."""
    return checks.finite(name, prior_mass, low=0, low_open=True, hint="Use the default 1.0.")


def fit(con: db.Connection, *, prior_mass: float = FitConfig.prior_mass,
        progress: Progress | None = None) -> FitSummary:
    """(Re)build the bayes_* tables, views and macros from `evidence` in one transaction."""
    db.require_tables(con, WORLD_TABLES, "world", "kgedit world build --db PATH")
    db.require_tables(con, ("evidence",), "evidence table", "kgedit corpus generate --db PATH")
    check_prior_mass(prior_mass, "prior_mass")
    (k,) = con.execute("SELECT count(*) FROM objects").fetchall()[0]
    if k < 2:
        raise KgeditError(f"The world has {k} objects; beliefs need at least 2.", "Build a larger world.")
    bad = con.execute(db.load_sql("bayes_evidence_unknown_objects")).fetchall()[0][0]
    if bad:
        raise KgeditError(f"{bad} evidence rows name an object that is not in objects.",
                          "Rebuild the corpus from this world: kgedit corpus generate.")
    step = Steps(progress, "fitting the Bayesian model", 2)
    with db.transaction(con):
        db.execute_script(con, "bayes_drop")
        step("count tables")
        con.execute(db.load_sql("bayes_info"), {"prior_mass": prior_mass, "n_objects": k,
                                                "corpus_fingerprint": corpus_fingerprint(con)})
        db.execute_script(con, "bayes_info_comments")
        db.execute_script(con, "bayes_fit")
        step("views and macros")
        db.execute_script(con, "views_bayes")
    step.done()
    rows = con.execute(db.load_sql("bayes_fit_summary")).fetchall()[0]
    return FitSummary(n_objects=int(k), prior_mass=float(prior_mass), evidence_rows=int(rows[0]),
                      subject_relations=int(rows[1]), conditional_values=int(rows[2]))
