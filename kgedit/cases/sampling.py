"""Which cases to build (SPEC §6), as pure numpy over integer codes: no database here.

A case starts from a corpus (training) fact (s1, r1). Its second relation r2 is r1's downstream
partner when r1 is upstream and s1 has that partner ("linked"), else a random other corpus relation
of s1; s2 is a random other corpus subject having both r1 and r2. A fact is eligible when such an r2
and s2 exist. One case per subject: each eligible subject contributes one random eligible fact, and
the first n subjects of a seeded permutation are taken.

All randomness comes from one generator, drawn in a fixed order and always for all rows at once
(so the draws never depend on data-dependent grouping): r2 keys, fact keys, subject permutation,
s2 positions, reinforce coins, downstream-rule coins, upstream-value keys, B facts, B truth coins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgedit.errors import KgeditError

DOWNSTREAM_CHANGE_PROBABILITY = 0.8
RULES = ("reinforce", "contradict", "downstream_change")


@dataclass(frozen=True)
class TrainingFacts:
    """Corpus facts as codes, sorted by (subject, relation); see sql/cases_training_facts.sql."""

    subject: np.ndarray       # int: dense subject code
    relation: np.ndarray      # int: relation code
    partner: np.ndarray       # int: code of the pair partner relation
    upstream: np.ndarray      # bool: relation is upstream
    object: np.ndarray        # int: object_idx of the ground truth o*
    false_object: np.ndarray  # int: object_idx of the false version

    @property
    def n_subjects(self) -> int:
        return int(self.subject.max()) + 1 if len(self.subject) else 0


@dataclass(frozen=True)
class CaseDraw:
    """The sampled structure of n cases plus the random numbers the request rule needs later."""

    fact: np.ndarray           # index into TrainingFacts of (s1, r1)
    second_relation: np.ndarray
    linked: np.ndarray         # bool: r2 is r1's downstream partner
    other_subject: np.ndarray  # s2 code
    reinforce: np.ndarray      # bool coin: o* (True) or the false version
    downstream_coin: np.ndarray  # bool coin with P = 0.8 (used for linked cases)
    value_key: np.ndarray      # uniform [0, 1): which candidate upstream value
    b_fact: np.ndarray         # index into TrainingFacts of B's fact (another subject)
    b_true: np.ndarray         # bool: B states its ground truth (else the false version)
    n_eligible_subjects: int


def relation_matrix(facts: TrainingFacts, n_relations: int) -> np.ndarray:
    """has[s, r]: subject s has relation r in the corpus."""
    has = np.zeros((facts.n_subjects, n_relations), bool)
    has[facts.subject, facts.relation] = True
    return has


def draw_cases(facts: TrainingFacts, n_relations: int, n: int, rng: np.random.Generator) -> CaseDraw:
    """Sample n cases from distinct eligible subjects; KgeditError when fewer subjects are eligible."""
    if n < 1:
        raise KgeditError(f"--n must be at least 1 (got {n}).")
    has = relation_matrix(facts, n_relations)
    both = has.T.astype(np.int64) @ has  # both[r, r2]: subjects having r and r2 (incl. s1 itself)
    s, r = facts.subject, facts.relation
    rows = np.arange(len(s))
    linked = facts.upstream & has[s, facts.partner] & (both[r, facts.partner] >= 2)
    others = has[s] & (np.arange(n_relations)[None, :] != r[:, None]) & (both[r] >= 2)
    keys = rng.random((len(s), n_relations))
    keys[~others] = -1.0
    second = np.where(linked, facts.partner, keys.argmax(axis=1))
    # An upstream fact whose subject has the partner is linked or nothing: s1r2 must be the downstream.
    partner_present = facts.upstream & has[s, facts.partner]
    eligible = linked | (~partner_present & others.any(axis=1))

    fact_key = rng.random(len(s))
    cand = rows[eligible]
    order = cand[np.lexsort((-fact_key[cand], s[cand]))]
    first = np.ones(len(order), bool)
    first[1:] = s[order][1:] != s[order][:-1]
    per_subject = order[first]  # one random eligible fact per eligible subject, in subject order
    n_eligible = len(per_subject)
    perm = rng.permutation(n_eligible)
    if n > n_eligible:
        raise KgeditError(
            f"Asked for {n} cases, but only {n_eligible} corpus subjects are eligible "
            "(a subject needs a second relation and another subject sharing both relations).",
            f"Use --n {n_eligible} or fewer, or generate a larger world/corpus.")
    chosen = per_subject[perm[:n]]
    r1, r2 = r[chosen], second[chosen]
    other = _draw_other_subjects(has, s[chosen], r1, r2, rng.random(n))
    return CaseDraw(
        fact=chosen, second_relation=r2, linked=linked[chosen], other_subject=other,
        reinforce=rng.random(n) < 0.5, downstream_coin=rng.random(n) < DOWNSTREAM_CHANGE_PROBABILITY,
        value_key=rng.random(n), b_fact=_draw_other_facts(facts, s[chosen], rng.integers(0, 2**62, n)),
        b_true=rng.random(n) < 0.5, n_eligible_subjects=n_eligible,
    )


def _draw_other_subjects(has: np.ndarray, s1: np.ndarray, r1: np.ndarray, r2: np.ndarray,
                         u: np.ndarray) -> np.ndarray:
    """For each case a uniform subject != s1 among those having r1 and r2 (>= 2 exist, s1 included)."""
    out = np.empty(len(s1), np.int64)
    for a, b in sorted(set(zip(r1.tolist(), r2.tolist()))):  # at most R*(R-1) relation pairs, not rows
        idx = np.flatnonzero((r1 == a) & (r2 == b))
        pool = np.flatnonzero(has[:, a] & has[:, b])
        j = np.floor(u[idx] * (len(pool) - 1)).astype(np.int64)
        j += j >= np.searchsorted(pool, s1[idx])  # skip s1 itself
        out[idx] = pool[j]
    return out


def _draw_other_facts(facts: TrainingFacts, s1: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """For each case a uniform corpus fact of a subject other than s1 (facts are sorted by subject)."""
    start = np.searchsorted(facts.subject, s1, side="left")
    count = np.searchsorted(facts.subject, s1, side="right") - start
    available = len(facts.subject) - count
    if (available < 1).any():
        raise KgeditError("The corpus has a single subject, so logical probes have no other subject.",
                          "Generate a corpus with more facts.")
    j = draw % available
    return np.where(j >= start, j + count, j)


@dataclass(frozen=True)
class ConditionalModes:
    """Modes of the fitted conditionals, sorted by (upstream relation, mode, value)."""

    upstream: np.ndarray
    value: np.ndarray
    mode: np.ndarray


def choose_requests(facts: TrainingFacts, draw: CaseDraw, current_answer: np.ndarray,
                    modes: ConditionalModes, n_objects: int) -> tuple[np.ndarray, np.ndarray]:
    """The requested object and rule code (index into RULES) of every case.

    o* or the false version by the reinforce coin; for a linked case whose 0.8-coin came up, an
    upstream value u (uniform among those with a fitted conditional) whose conditional mode differs
    from the subject's current downstream answer `current_answer` (the Bayesian modal object of s1r2
    before the edit). Without such a u the 50/50 rule stands.
    """
    f = draw.fact
    requested = np.where(draw.reinforce, facts.object[f], facts.false_object[f])
    rule = np.where(draw.reinforce, 0, 1)
    base = modes.upstream.astype(np.int64) * (n_objects + 1)
    key = base + modes.mode
    rel = facts.relation[f].astype(np.int64)
    block_lo = np.searchsorted(base, rel * (n_objects + 1), side="left")
    block_hi = np.searchsorted(base, rel * (n_objects + 1), side="right")
    same_lo = np.searchsorted(key, rel * (n_objects + 1) + current_answer, side="left")
    same_hi = np.searchsorted(key, rel * (n_objects + 1) + current_answer, side="right")
    n_candidates = (block_hi - block_lo) - (same_hi - same_lo)
    use = draw.linked & draw.downstream_coin & (n_candidates > 0) & (current_answer >= 0)
    k = np.floor(draw.value_key * np.maximum(n_candidates, 1)).astype(np.int64)
    pos = block_lo + k
    pos = np.where(pos >= same_lo, pos + (same_hi - same_lo), pos)
    pos = np.minimum(pos, max(len(key) - 1, 0))
    if len(key):
        requested = np.where(use, modes.value[pos], requested)
    rule = np.where(use, 2, rule)
    return requested, rule
