"""Beliefs of many probes under many edit scenarios, one SQL statement per batch.

A *scenario* is one edit (subject, relation, object, weight >= 1) or weight 0 for the base world; a
*probe* asks for the target belief of (subject, relation, object) under a scenario. Edits are applied
as deltas inside sql/bayes_posterior.sql (which each statement here includes): the bayes_* tables are
never modified, so every other reader keeps seeing the base world.
"""

from __future__ import annotations

from typing import Any

from kgedit import db
from kgedit.bayes.edits import DEFAULT_TARGET, DEFAULT_WEIGHT, check_target, check_weight


def scenario_beliefs(con: db.Connection, scenarios: Any, probes: Any) -> Any:
    """Target beliefs for arrow tables scenarios(scenario_id, subject_id, relation_id, object_id, weight)
    and probes(probe_id, scenario_id, subject_id, relation_id, object_id).

    Returns an arrow table (probe_id, scenario_id, belief, probability, direct) ordered by probe_id.
    """
    con.register("_kgedit_scenarios", scenarios)
    con.register("_kgedit_probes", probes)
    try:
        return con.sql(db.load_sql("bayes_beliefs")).to_arrow_table()
    finally:
        con.unregister("_kgedit_scenarios")
        con.unregister("_kgedit_probes")


def base_beliefs(con: db.Connection, probes: Any) -> Any:
    """Target beliefs in the base world; probes(probe_id, subject_id, relation_id, object_id)."""
    con.register("_kgedit_probes", probes)
    try:
        return con.sql(db.load_sql("bayes_base_beliefs")).to_arrow_table()
    finally:
        con.unregister("_kgedit_probes")


def edit_targets(con: db.Connection, edits: Any, probes: Any, *, target: float = DEFAULT_TARGET,
                 weight: float = DEFAULT_WEIGHT) -> Any:
    """Targets for the cases stage: for each probe, its belief before the edit, after n', after `weight`.

    edits:  arrow table (edit_id, subject_id, relation_id, object_id) — one edit request each.
    probes: arrow table (probe_id, edit_id, subject_id, relation_id, object_id).
    Returns an arrow table (probe_id, edit_id, n_prime, belief_pre, p_pre, belief_post, p_n_prime, p_n),
    ordered by probe_id; belief_* is 'direct' or 'marginal' (SPEC §4 "which belief is the target").
    One statement for the whole batch (sql/bayes_edit_targets.sql).
    """
    check_target(target)
    check_weight(weight)
    con.register("_kgedit_edits", edits)
    con.register("_kgedit_probes", probes)
    try:
        return con.sql(db.load_sql("bayes_edit_targets"), params={"target": target, "weight": weight}).to_arrow_table()
    finally:
        con.unregister("_kgedit_edits")
        con.unregister("_kgedit_probes")
