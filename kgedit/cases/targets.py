"""Bayesian targets and modal objects of probes, batched: a few SQL statements for all cases.

A *key* is one (subject, relation) question of one case under that case's edit (key_id, edit_id,
subject_id, relation_id, ground_truth_id, requested_id, search_mode). Its candidate objects come from
sql/cases_mode_candidates.sql; all candidates of all keys are scored by kgedit.bayes.beliefs in one
statement (before the edit, after n', after n), and sql/cases_modes.sql picks each key's modes.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from kgedit import db
from kgedit.bayes.beliefs import base_beliefs, edit_targets

TOP_COLUMNS = 3
KEY_SCHEMA = pa.schema([("key_id", pa.int64()), ("edit_id", pa.int64()), ("subject_id", pa.string()),
                        ("relation_id", pa.string()), ("ground_truth_id", pa.string()),
                        ("requested_id", pa.string()), ("search_mode", pa.bool_())])
EDIT_SCHEMA = pa.schema([("edit_id", pa.int64()), ("subject_id", pa.string()), ("relation_id", pa.string()),
                         ("object_id", pa.string())])


def candidates(con: db.Connection, keys: pa.Table, edits: pa.Table) -> pa.Table:
    """(probe_id, edit_id, subject_id, relation_id, object_id, key_id): every object each key scores."""
    with _registered(con, _cases_keys=_conform(keys, KEY_SCHEMA), _cases_edits=_conform(edits, EDIT_SCHEMA)):
        return con.sql(db.load_sql("cases_mode_candidates"), params={"top_columns": TOP_COLUMNS}).to_arrow_table()


def score_without_edit(con: db.Connection, keys: pa.Table) -> pa.Table:
    """Candidates scored in the base world: (key_id, object_id, p_pre, p_n_prime NULL, p_n NULL)."""
    cand = candidates(con, keys, EDIT_SCHEMA.empty_table())
    beliefs = base_beliefs(con, cand.select(["probe_id", "subject_id", "relation_id", "object_id"]))
    _check_aligned(cand, beliefs)
    null = pa.nulls(len(cand), pa.float64())
    return pa.table({"key_id": cand["key_id"], "object_id": cand["object_id"],
                     "p_pre": beliefs["probability"], "p_n_prime": null, "p_n": null})


def score_with_edits(con: db.Connection, keys: pa.Table, edits: pa.Table, *, target: float,
                     weight: float) -> pa.Table:
    """Candidates scored before the edit, after n' and after `weight`, one edit per edit_id:
    (key_id, object_id, n_prime, belief_pre, p_pre, belief_post, p_n_prime, p_n)."""
    cand = candidates(con, keys, edits)
    probes = cand.select(["probe_id", "edit_id", "subject_id", "relation_id", "object_id"])
    result = edit_targets(con, _conform(edits, EDIT_SCHEMA), probes, target=target, weight=weight)
    _check_aligned(cand, result)
    return pa.table({"key_id": cand["key_id"], "object_id": cand["object_id"], "n_prime": result["n_prime"],
                     "belief_pre": result["belief_pre"], "p_pre": result["p_pre"],
                     "belief_post": result["belief_post"], "p_n_prime": result["p_n_prime"], "p_n": result["p_n"]})


def modes(con: db.Connection, scored: pa.Table) -> pa.Table:
    """(key_id, mode_pre_id, mode_post_id, mode_post_n_id) from scored candidates."""
    with _registered(con, _cases_scored=scored.select(["key_id", "object_id", "p_pre", "p_n_prime", "p_n"])):
        return con.sql(db.load_sql("cases_modes")).to_arrow_table()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select(schema.names).cast(schema)


def _check_aligned(cand: pa.Table, result: pa.Table) -> None:
    # Both are ordered by probe_id = row number; a mismatch would silently attach targets to wrong rows.
    if len(cand) != len(result) or not cand["probe_id"].equals(result["probe_id"]):
        raise RuntimeError("Bayesian targets came back misaligned with their probes.")


class _registered:
    """Register arrow tables under fixed names for the duration of a block."""

    def __init__(self, con: db.Connection, **tables: Any) -> None:
        self.con, self.tables = con, tables

    def __enter__(self) -> None:
        for name, table in self.tables.items():
            self.con.register(name, table)

    def __exit__(self, *exc: object) -> None:
        for name in self.tables:
            self.con.unregister(name)
