"""Beliefs of many probes under many edit scenarios, one SQL statement per batch.

A *scenario* is one edit (subject, relation, object, weight >= 1) or weight 0 for the base world; a
*probe* asks for the target belief of (subject, relation, object) under a scenario. Edits are applied
as deltas inside sql/bayes_posterior.sql: the bayes_* tables are never modified, so every other
reader keeps seeing the base world.
"""

from __future__ import annotations

from typing import Any

from kgedit import db
from kgedit.bayes.edits import DEFAULT_TARGET, DEFAULT_WEIGHT, check_target, check_weight, edit_weight_cte


def posterior_sql(scenario_input_sql: str, probe_input_sql: str) -> str:
    """The posterior statement over two input queries (SQL text; values must be bound by the caller)."""
    return (f"WITH scenario_input AS ({scenario_input_sql}),\nprobe_input AS ({probe_input_sql}),\n"
            + db.load_sql("bayes_posterior") + "SELECT * FROM posterior ORDER BY probe_id")


def evaluate(con: db.Connection, scenarios: Any, probes: Any) -> Any:
    """Target beliefs for arrow tables scenarios(scenario_id, subject_id, relation_id, object_id, weight)
    and probes(probe_id, scenario_id, subject_id, relation_id, object_id).

    Returns an arrow table (probe_id, scenario_id, belief, probability, direct) ordered by probe_id.
    """
    con.register("_kgedit_scenarios", scenarios)
    con.register("_kgedit_probes", probes)
    try:
        sql = posterior_sql(
            "SELECT scenario_id::BIGINT AS scenario_id, subject_id, relation_id, object_id, "
            "weight::DOUBLE AS weight FROM _kgedit_scenarios",
            "SELECT probe_id::BIGINT AS probe_id, scenario_id::BIGINT AS scenario_id, subject_id, relation_id, "
            "object_id FROM _kgedit_probes")
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("_kgedit_scenarios")
        con.unregister("_kgedit_probes")


def base_beliefs(con: db.Connection, probes: Any) -> Any:
    """Target beliefs in the base world; probes(probe_id, subject_id, relation_id, object_id)."""
    con.register("_kgedit_probes", probes)
    try:
        sql = posterior_sql(
            "SELECT 0::BIGINT AS scenario_id, NULL::VARCHAR AS subject_id, NULL::VARCHAR AS relation_id, "
            "NULL::VARCHAR AS object_id, 0.0::DOUBLE AS weight WHERE FALSE",
            "SELECT probe_id::BIGINT AS probe_id, 0::BIGINT AS scenario_id, subject_id, relation_id, object_id "
            "FROM _kgedit_probes")
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("_kgedit_probes")


_EDIT_TARGETS_TAIL = """
scenario_input AS (
    SELECT e.edit_id * 3 + k.k AS scenario_id, e.subject_id, e.relation_id, e.object_id,
           CASE k.k WHEN 0 THEN 0.0 WHEN 1 THEN w.n_prime ELSE $weight END::DOUBLE AS weight
    FROM _kgedit_edits e JOIN edit_weight w USING (edit_id) CROSS JOIN range(3) k(k)),
probe_input AS (
    SELECT p.probe_id * 3 + k.k AS probe_id, p.edit_id * 3 + k.k AS scenario_id,
           p.subject_id, p.relation_id, p.object_id
    FROM _kgedit_probes p CROSS JOIN range(3) k(k)),
"""

_EDIT_TARGETS_PIVOT = """
SELECT b.probe_id // 3 AS probe_id, any_value(p.edit_id) AS edit_id, any_value(w.n_prime) AS n_prime,
       max(b.belief) FILTER (WHERE b.probe_id % 3 = 0) AS belief_pre,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 0) AS p_pre,
       max(b.belief) FILTER (WHERE b.probe_id % 3 = 1) AS belief_post,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 1) AS p_n_prime,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 2) AS p_n
FROM ({inner}) b
JOIN _kgedit_probes p ON p.probe_id = b.probe_id // 3
JOIN ({weights}) w ON w.edit_id = p.edit_id
GROUP BY b.probe_id // 3
ORDER BY probe_id
"""


def edit_targets_sql() -> str:
    """The batch statement of edit_targets (inputs _kgedit_edits, _kgedit_probes; $target, $weight)."""
    edit_input = ("SELECT edit_id::BIGINT AS edit_id, subject_id, relation_id, object_id, "
                  "$target::DOUBLE AS target FROM _kgedit_edits")
    ctes = edit_weight_cte(edit_input) + ",\n" + _EDIT_TARGETS_TAIL
    inner = "WITH " + ctes + db.load_sql("bayes_posterior") + "SELECT * FROM posterior"
    weights = "WITH " + edit_weight_cte(edit_input) + "\nSELECT edit_id, n_prime FROM edit_weight"
    return _EDIT_TARGETS_PIVOT.format(inner=inner, weights=weights)


def edit_targets(con: db.Connection, edits: Any, probes: Any, *, target: float = DEFAULT_TARGET,
                 weight: float = DEFAULT_WEIGHT) -> Any:
    """Targets for the cases stage: for each probe, its belief before the edit, after n', after `weight`.

    edits:  arrow table (edit_id, subject_id, relation_id, object_id) — one edit request each.
    probes: arrow table (probe_id, edit_id, subject_id, relation_id, object_id).
    Returns an arrow table (probe_id, edit_id, n_prime, belief_pre, p_pre, belief_post, p_n_prime, p_n),
    ordered by probe_id; belief_* is 'direct' or 'marginal' (SPEC §4 "which belief is the target").
    One statement for the whole batch.
    """
    check_target(target)
    check_weight(weight)
    con.register("_kgedit_edits", edits)
    con.register("_kgedit_probes", probes)
    try:
        return con.sql(edit_targets_sql(), params={"target": target, "weight": weight}).to_arrow_table()
    finally:
        con.unregister("_kgedit_edits")
        con.unregister("_kgedit_probes")
