"""Edit weights: n' in closed form (SPEC §4), for one edit or thousands in one statement."""

from __future__ import annotations

from typing import Any

from kgedit import db
from kgedit.errors import KgeditError

DEFAULT_TARGET = 0.95
DEFAULT_WEIGHT = 1000.0


def edit_weight_cte(edit_input_sql: str) -> str:
    """`edit_input AS (...), edit_weight AS (...)` — the n' computation as two CTEs (no WITH)."""
    return f"edit_input AS ({edit_input_sql}),\nedit_weight AS (\n{db.load_sql('bayes_edit_weight')}\n)"


def check_target(target: float) -> float:
    if not 0 < target < 1:
        raise KgeditError(f"An edit target probability must lie strictly between 0 and 1, got {target}.",
                          "Use e.g. @ p=0.95.")
    return float(target)


def check_weight(weight: float) -> float:
    if not weight >= 1:
        raise KgeditError(f"An edit weight must be at least 1, got {weight}.", "Use e.g. @ n=1000.")
    return float(weight)


def edit_weights(con: db.Connection, edits: Any, *, target: float = DEFAULT_TARGET) -> Any:
    """n' per edit. `edits`: an arrow table (edit_id, subject_id, relation_id, object_id).

    Returns an arrow table (edit_id, p_before, goal, n_prime), ordered by edit_id.
    """
    check_target(target)
    con.register("_kgedit_edits", edits)
    try:
        sql = ("WITH " + edit_weight_cte(
            "SELECT edit_id::BIGINT AS edit_id, subject_id, relation_id, object_id, $target::DOUBLE AS target "
            "FROM _kgedit_edits") + "\nSELECT * FROM edit_weight ORDER BY edit_id")
        return con.sql(sql, params={"target": target}).to_arrow_table()
    finally:
        con.unregister("_kgedit_edits")


def direct_after(c: float, mass: float, weight: float) -> float:
    """p(o*) after adding `weight` to o*, from c = alpha + count(o*) and mass = prior_mass + N (pure)."""
    return (c + weight) / (mass + weight)
