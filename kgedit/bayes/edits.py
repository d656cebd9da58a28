"""Edit weights: n' in closed form (SPEC §4), for one edit or thousands in one statement."""

from __future__ import annotations

from typing import Any

from kgedit import checks, db

DEFAULT_TARGET = 0.95
DEFAULT_WEIGHT = 1000.0


def check_target(target: float, name: str = "An edit target probability") -> float:
    return checks.finite(name, target, low=0, high=1, low_open=True, high_open=True,
                         hint=f"A probability strictly between 0 and 1 (the default is {DEFAULT_TARGET}).")


def check_weight(weight: float, name: str = "An edit weight") -> float:
    return checks.finite(name, weight, low=1, hint=f"A finite weight of at least 1 (the default is {DEFAULT_WEIGHT:g}).")


def edit_weights(con: db.Connection, edits: Any, *, target: float = DEFAULT_TARGET) -> Any:
    """n' per edit. `edits`: an arrow table (edit_id, subject_id, relation_id, object_id).

    Returns an arrow table (edit_id, p_before, goal, n_prime), ordered by edit_id.
    """
    check_target(target)
    con.register("_kgedit_edits", edits)
    try:
        return con.sql(db.load_sql("bayes_edit_weights"), params={"target": target}).to_arrow_table()
    finally:
        con.unregister("_kgedit_edits")


def direct_after(c: float, mass: float, weight: float) -> float:
    """p(o*) after adding `weight` to o*, from c = alpha + count(o*) and mass = prior_mass + N (pure)."""
    return (c + weight) / (mass + weight)
