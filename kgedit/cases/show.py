"""One case with its probes and targets, as column/row sets for rendering (`kgedit cases show`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgedit import db
from kgedit.errors import KgeditError

CASE_SQL = """
SELECT c.case_id, es.name AS subject, r.label AS relation, eo.name AS ground_truth,
       c.requested_object, c.request_rule, c.reinforces, c.linked, r2.label AS second_relation,
       e2.name AS other_subject, c.n_prime, c.downstream_answer_changes, c.downstream_answer_changes_n
FROM cases c
JOIN entities es ON es.entity_id = c.subject_id JOIN relations r ON r.relation_id = c.relation_id
JOIN entities eo ON eo.entity_id = c.object_id JOIN relations r2 ON r2.relation_id = c.second_relation_id
JOIN entities e2 ON e2.entity_id = c.other_subject_id
WHERE c.case_id = ?"""
PROBES_SQL = """
SELECT probe, role, prompt, object, belief_pre, p_pre, belief_post, p_n_prime, p_n
FROM case_probes WHERE case_id = ?
ORDER BY probe, CASE role WHEN 'ground_truth' THEN 0 WHEN 'requested' THEN 1 WHEN 'post_mode' THEN 2 ELSE 3 END"""
LOGICAL_SQL = """
SELECT kind, prompt, label_pre, label_post, p_true_pre, p_true_n_prime, p_true_n
FROM case_logical_probes WHERE case_id = ?
ORDER BY CASE kind WHEN 'tf_a' THEN 0 WHEN 'not_a' THEN 1 WHEN 'and_ab' THEN 2 WHEN 'and_ba' THEN 3
                   WHEN 'or_ba' THEN 4 ELSE 5 END"""


@dataclass(frozen=True)
class CaseView:
    case: tuple[list[str], list[tuple[Any, ...]]]
    probes: tuple[list[str], list[tuple[Any, ...]]]
    logical: tuple[list[str], list[tuple[Any, ...]]]

    def as_dict(self) -> dict[str, Any]:
        records = lambda cols, rows: [dict(zip(cols, row)) for row in rows]  # noqa: E731
        return {"case": records(*self.case)[0], "probes": records(*self.probes),
                "logical_probes": records(*self.logical)}


def show_case(con: db.Connection, case_id: int | None = None, db_label: str = "world.duckdb") -> CaseView:
    """The case `case_id` (default: the first) with its probe rows and logical probes."""
    db.require_tables(con, ("cases", "case_probes", "case_logical_probes"), "benchmark cases",
                      f"kgedit cases generate --db {db_label}")
    (lo, hi), = con.execute("SELECT min(case_id), max(case_id) FROM cases").fetchall()
    if lo is None:
        raise KgeditError("The cases table is empty.", f"Regenerate: kgedit cases generate --db {db_label} --overwrite")
    case_id = lo if case_id is None else case_id
    case = db.fetch(con, CASE_SQL, [case_id])
    if not case[1]:
        raise KgeditError(f"No case {case_id}.", f"Case ids run from {lo} to {hi}.")
    return CaseView(case, db.fetch(con, PROBES_SQL, [case_id]), db.fetch(con, LOGICAL_SQL, [case_id]))
