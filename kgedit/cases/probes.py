"""From sampled codes to the probe keys and edits the target computation scores (pure, arrow out).

Per case five keys, key_id = case_id * 5 + slot: s1r1, s1r2, s2r1, s2r2 (searched for their modal
objects) and b (the logical probes' second sentence B, scored for its own object only). The edit of
case c has edit_id = c.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kgedit.cases.sampling import RULES, CaseDraw, TrainingFacts

PROBES = ("s1r1", "s1r2", "s2r1", "s2r2")
B_KEY = "b"
KEYS_PER_CASE = len(PROBES) + 1


@dataclass(frozen=True)
class Names:
    """Code → id lookups: subjects (dense code order), relations (code order), objects (object_idx)."""

    subject: np.ndarray
    relation: np.ndarray
    object: np.ndarray


def fact_index(facts: TrainingFacts, subject: np.ndarray, relation: np.ndarray, n_relations: int) -> np.ndarray:
    """Index of the corpus fact (subject, relation) for each pair; every pair must exist."""
    key = facts.subject.astype(np.int64) * n_relations + facts.relation
    want = subject.astype(np.int64) * n_relations + relation
    idx = np.searchsorted(key, want)
    if (idx >= len(key)).any() or (key[np.minimum(idx, len(key) - 1)] != want).any():
        raise RuntimeError("A probe names a (subject, relation) that has no corpus fact.")
    return idx


def downstream_keys(facts: TrainingFacts, draw: CaseDraw, names: Names, n_relations: int) -> pa.Table:
    """Keys for the current (pre-edit) answer of every linked case's s1r2; key_id = case_id."""
    cases = np.flatnonzero(draw.linked)
    s1 = facts.subject[draw.fact[cases]]
    r2 = draw.second_relation[cases]
    truth = facts.object[fact_index(facts, s1, r2, n_relations)]
    return pa.table({
        "key_id": cases.astype(np.int64), "edit_id": pa.nulls(len(cases), pa.int64()),
        "subject_id": names.subject[s1], "relation_id": names.relation[r2],
        "ground_truth_id": names.object[truth], "requested_id": pa.nulls(len(cases), pa.string()),
        "search_mode": np.ones(len(cases), bool),
    })


def case_keys(facts: TrainingFacts, draw: CaseDraw, requested: np.ndarray, names: Names,
              n_relations: int) -> pa.Table:
    """All five keys of every case: (key_id, edit_id, case_id, probe, subject_id, relation_id,
    ground_truth_id, requested_id, search_mode), ordered by key_id."""
    n = len(draw.fact)
    s1, r1 = facts.subject[draw.fact], facts.relation[draw.fact]
    s2, r2 = draw.other_subject, draw.second_relation
    sb, rb = facts.subject[draw.b_fact], facts.relation[draw.b_fact]
    subj = np.stack([s1, s1, s2, s2, sb], axis=1)   # (n, 5)
    rel = np.stack([r1, r2, r1, r2, rb], axis=1)    # (n, 5)
    truth = facts.object[fact_index(facts, subj.ravel(), rel.ravel(), n_relations)].reshape(n, KEYS_PER_CASE)
    b_object = np.where(draw.b_true, facts.object[draw.b_fact], facts.false_object[draw.b_fact])
    asked = np.repeat(requested[:, None], KEYS_PER_CASE, axis=1)
    asked[:, -1] = b_object  # B's key scores only B's own object
    case_id = np.repeat(np.arange(n, dtype=np.int64), KEYS_PER_CASE)
    slot = np.tile(np.arange(KEYS_PER_CASE), n)
    return pa.table({
        "key_id": case_id * KEYS_PER_CASE + slot, "edit_id": case_id, "case_id": case_id.astype(np.int32),
        "probe": np.array(PROBES + (B_KEY,))[slot], "subject_id": names.subject[subj.ravel()],
        "relation_id": names.relation[rel.ravel()], "ground_truth_id": names.object[truth.ravel()],
        "requested_id": names.object[asked.ravel()], "search_mode": slot < len(PROBES),
    })


def edits_table(facts: TrainingFacts, draw: CaseDraw, requested: np.ndarray, names: Names) -> pa.Table:
    """One edit per case: (edit_id, subject_id, relation_id, object_id) = (c, s1, r1, o_req)."""
    return pa.table({
        "edit_id": np.arange(len(draw.fact), dtype=np.int64),
        "subject_id": names.subject[facts.subject[draw.fact]],
        "relation_id": names.relation[facts.relation[draw.fact]], "object_id": names.object[requested],
    })


def cases_table(facts: TrainingFacts, draw: CaseDraw, requested: np.ndarray, rule: np.ndarray,
                names: Names) -> pa.Table:
    """Case-level codes as ids, the input of sql/cases_insert.sql."""
    f = draw.fact
    b_object = np.where(draw.b_true, facts.object[draw.b_fact], facts.false_object[draw.b_fact])
    return pa.table({
        "case_id": np.arange(len(f), dtype=np.int32), "subject_id": names.subject[facts.subject[f]],
        "relation_id": names.relation[facts.relation[f]], "object_id": names.object[facts.object[f]],
        "false_object_id": names.object[facts.false_object[f]], "requested_object_id": names.object[requested],
        "request_rule": np.array(RULES)[rule], "linked": draw.linked,
        "second_relation_id": names.relation[draw.second_relation],
        "other_subject_id": names.subject[draw.other_subject],
        "b_subject_id": names.subject[facts.subject[draw.b_fact]],
        "b_relation_id": names.relation[facts.relation[draw.b_fact]], "b_object_id": names.object[b_object],
        "b_is_true": draw.b_true,
    })
