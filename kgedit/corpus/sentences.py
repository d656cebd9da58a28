"""Sentences of SPEC §3 as integer arrays (texts are rendered later, in SQL, from these codes).

Per base fact, in this fixed order (sentence_id = fact_id · 24 + slot):
  slots 0–9   atomic  `{s} {r} {o}`               10 samples, redrawn together until ≥6 equal o*
  slots 10–19 tf      `"{s} {r} {o}" is true|false` one per atomic sample, label drawn (g* or 1−g*)
  slot 20     or      `"{X} or {Y}" is true|false`  label t1 ∨ t2
  slot 21     and     `"{X} and {Y}" is true|false` label t1 ∧ t2
  slot 22     not     `"not {s} {r} {o*}" is false`
  slot 23     not     `"not {s} {r} {o_false}" is true`
X is the base fact (t1) or its false version; Y a true (t2) or false fact of another corpus subject;
`other_first` says Y is written first. All randomness comes from the one generator, in this order:
atomic samples, T/F labels, then or, then and (t1, t2, other subject, its fact, order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgedit.corpus.facts import CorpusFacts, Distributions
from kgedit.errors import KgeditError

KIND_NAMES = ("atomic", "tf", "or", "and", "not")
ATOMIC, TF, OR, AND, NOT = range(5)
SAMPLES_PER_FACT = 10
MIN_MODAL_SAMPLES = 6
SLOTS = 2 * SAMPLES_PER_FACT + 4
NO_LABEL = -1


@dataclass(frozen=True)
class SentenceArrays:
    """One entry per sentence, sentence_id = position. Codes are −1 where a column does not apply."""

    fact_id: np.ndarray
    kind: np.ndarray
    subject: np.ndarray
    relation: np.ndarray
    object: np.ndarray
    label: np.ndarray          # 1 true, 0 false, −1 for atomic sentences
    other_subject: np.ndarray
    other_relation: np.ndarray
    other_object: np.ndarray
    other_first: np.ndarray    # bool: the other component is written first (or/and)

    def __len__(self) -> int:
        return len(self.fact_id)


def draw_atomic_samples(rng: np.random.Generator, facts: CorpusFacts, dists: Distributions) -> np.ndarray:
    """(n_facts, 10) objects: 10 i.i.d. draws per fact, all redrawn until ≥6 equal the ground truth."""
    samples = np.empty((len(facts), SAMPLES_PER_FACT), np.int32)
    pending = np.arange(len(facts))
    while len(pending):  # each round redraws only the rejected facts; P(accept) ≥ 0.63, so ~15 rounds at 100k
        seg = np.repeat(facts.segment[pending], SAMPLES_PER_FACT).reshape(len(pending), SAMPLES_PER_FACT)
        draw = dists.sample(rng, seg)
        ok = (draw == facts.object[pending, None]).sum(axis=1) >= MIN_MODAL_SAMPLES
        samples[pending[ok]] = draw[ok]
        pending = pending[~ok]
    return samples


def draw_tf_labels(rng: np.random.Generator, facts: CorpusFacts, samples: np.ndarray) -> np.ndarray:
    """True with probability g* when the sample is the ground truth, else with 1 − g*."""
    p_true = np.where(samples == facts.object[:, None], facts.g[:, None], 1.0 - facts.g[:, None])
    return rng.random(samples.shape) < p_true


def draw_pairs(rng: np.random.Generator, facts: CorpusFacts) -> dict[str, np.ndarray]:
    """Components of one or/and sentence per fact: t1, t2, Y's fact, Y's object, order."""
    n_subjects = len(facts.subject_order)
    if n_subjects < 2:
        raise KgeditError("The corpus has a single subject, so or/and sentences have no other subject.",
                          "Ask for more facts (--facts) so that at least two subjects are used.")
    n = len(facts)
    t1 = rng.random(n) < 0.5
    t2 = rng.random(n) < 0.5
    j = rng.integers(0, n_subjects - 1, size=n)
    other_rank = j + (j >= facts.subject_rank)  # uniform among the other corpus subjects
    other_fact = facts.subject_start[other_rank] + rng.integers(0, facts.subject_count[other_rank])
    other_first = rng.random(n) < 0.5
    return {
        "t1": t1, "t2": t2, "other_fact": other_fact, "other_first": other_first,
        "x_object": np.where(t1, facts.object, facts.false_object),
        "y_object": np.where(t2, facts.object[other_fact], facts.false_object[other_fact]),
    }


def build_sentences(rng: np.random.Generator, facts: CorpusFacts, dists: Distributions) -> SentenceArrays:
    """All 24 sentences of every base fact, vectorised over facts."""
    n = len(facts)
    samples = draw_atomic_samples(rng, facts, dists)
    tf_labels = draw_tf_labels(rng, facts, samples)
    or_pair = draw_pairs(rng, facts)
    and_pair = draw_pairs(rng, facts)

    def grid(dtype, fill) -> np.ndarray:
        return np.full((n, SLOTS), fill, dtype)

    kind, obj, label = grid(np.int8, ATOMIC), grid(np.int32, -1), grid(np.int8, NO_LABEL)
    o_subj, o_rel, o_obj = grid(np.int32, -1), grid(np.int32, -1), grid(np.int32, -1)
    other_first = grid(np.bool_, False)
    s10, t10 = slice(0, SAMPLES_PER_FACT), slice(SAMPLES_PER_FACT, 2 * SAMPLES_PER_FACT)
    obj[:, s10], obj[:, t10] = samples, samples
    kind[:, t10], label[:, t10] = TF, tf_labels
    for slot, code, pair, truth in ((20, OR, or_pair, or_pair["t1"] | or_pair["t2"]),
                                    (21, AND, and_pair, and_pair["t1"] & and_pair["t2"])):
        kind[:, slot], obj[:, slot], label[:, slot] = code, pair["x_object"], truth
        o_subj[:, slot] = facts.subject[pair["other_fact"]]
        o_rel[:, slot] = facts.relation[pair["other_fact"]]
        o_obj[:, slot] = pair["y_object"]
        other_first[:, slot] = pair["other_first"]
    kind[:, 22:24] = NOT
    obj[:, 22], label[:, 22] = facts.object, 0        # "not s r o*" is false
    obj[:, 23], label[:, 23] = facts.false_object, 1  # "not s r o_false" is true
    fact_id = np.repeat(np.arange(n, dtype=np.int64), SLOTS)
    return SentenceArrays(
        fact_id=fact_id, kind=kind.ravel(), subject=facts.subject[fact_id].astype(np.int32),
        relation=facts.relation[fact_id].astype(np.int32), object=obj.ravel(), label=label.ravel(),
        other_subject=o_subj.ravel(), other_relation=o_rel.ravel(), other_object=o_obj.ravel(),
        other_first=other_first.ravel(),
    )
