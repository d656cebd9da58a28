"""Which facts the corpus is written about, and the distribution each one is sampled from.

Pure numpy. Subjects are taken in a seeded random order until exactly `n_facts` base facts; within a
subject, upstream facts come before downstream ones, so when the last subject is cut short a kept
downstream fact always keeps its upstream fact too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgedit.corpus.generative import (
    KIND_CONDITIONAL,
    KIND_TWO_POINT,
    Conditionals,
    RelationObjects,
    WorldArrays,
    build_conditionals,
    draw_distractors,
    find_segments,
    g_grid,
)
from kgedit.errors import KgeditError


@dataclass(frozen=True)
class Distributions:
    """Every sampling distribution as one CSR of whole-number weights.

    Segments 0..n_conditional-1 are the shared conditionals (one per (D, u)); after them one
    two-point segment per two-point corpus fact (true object first, then the distractor).
    """

    offsets: np.ndarray
    objects: np.ndarray
    weights: np.ndarray

    def sample(self, rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
        """One object per entry of `segment` (any shape), drawn exactly by integer weights."""
        cum = np.cumsum(self.weights)
        base = np.r_[0, cum][self.offsets[:-1]]
        total = np.r_[0, cum][self.offsets[1:]] - base
        x = base[segment] + rng.integers(0, total[segment])
        return self.objects[np.searchsorted(cum, x, side="right")]


@dataclass(frozen=True)
class CorpusFacts:
    """The base facts, in corpus order (fact_id = position), and how each is sampled."""

    subject: np.ndarray          # subject code
    relation: np.ndarray
    kg_object: np.ndarray        # object in the KG
    object: np.ndarray           # ground truth o*: the KG object, or the conditional's mode
    kind: np.ndarray             # KIND_TWO_POINT | KIND_CONDITIONAL
    g: np.ndarray                # modal probability of the fact's distribution
    distractor: np.ndarray       # two-point distractor; −1 for conditional facts
    false_object: np.ndarray     # the "false version" used by or/and/not
    upstream_object: np.ndarray  # u of a conditional fact; −1 otherwise
    segment: np.ndarray          # index into Distributions
    subject_rank: np.ndarray     # position of the fact's subject in the corpus subject order
    subject_order: np.ndarray    # subject codes in corpus order (one per corpus subject)
    subject_start: np.ndarray    # first fact_id of each corpus subject
    subject_count: np.ndarray    # number of base facts of each corpus subject

    def __len__(self) -> int:
        return len(self.subject)


def select_facts(world: WorldArrays, n_facts: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into the world's facts: subjects in a seeded random order until exactly n_facts."""
    total = len(world.subject)
    if n_facts > total:
        raise KgeditError(f"Asked for {n_facts} facts but the world has only {total}.",
                          f"Pass --facts {total} or less (or omit --facts to use all of them).")
    if n_facts < 1:
        raise KgeditError("--facts must be at least 1.")
    rank_of_subject = np.empty(world.n_subjects, np.int64)
    rank_of_subject[rng.permutation(world.n_subjects)] = np.arange(world.n_subjects)
    order = np.lexsort((world.relation, world.is_downstream, rank_of_subject[world.subject]))
    return order[:n_facts]


def build_corpus_facts(world: WorldArrays, n_facts: int, min_true_prob: float,
                       rng: np.random.Generator) -> tuple[CorpusFacts, Distributions, Conditionals]:
    """Choose the base facts and give each its distribution, ground truth and false version."""
    if not 0.5 < min_true_prob < 1.0:
        raise KgeditError(f"--min-true-prob must lie strictly between 0.5 and 1 (got {min_true_prob}).",
                          "The paper uses 0.6.")
    pick = select_facts(world, n_facts, rng)
    subject, relation = world.subject[pick], world.relation[pick]
    kg_object, upstream = world.object[pick], world.upstream_object[pick]
    conditional = upstream >= 0
    cond = build_conditionals(world, min_true_prob)
    n_cond = len(cond.relation)
    rel_objects = RelationObjects.of(world)

    seg = np.zeros(len(pick), np.int64)
    seg[conditional] = find_segments(cond, relation[conditional], upstream[conditional], world.n_objects)
    truth = kg_object.copy()
    truth[conditional] = cond.mode[seg[conditional]]
    cond_total = np.add.reduceat(cond.weights, cond.offsets[:-1]) if n_cond else np.zeros(0, np.int64)
    mode_weight = _mode_weights(cond)

    # Two-point facts: g on the grid, then a distractor of the same relation.
    two_point = np.flatnonzero(~conditional)
    grid = g_grid(min_true_prob)
    g_pct = grid[rng.integers(0, len(grid), size=len(two_point))]
    distractor = np.full(len(pick), -1, np.int32)
    distractor[two_point] = draw_distractors(rng, rel_objects, relation[two_point], truth[two_point])
    seg[two_point] = n_cond + np.arange(len(two_point))

    g = np.empty(len(pick), np.float64)
    g[two_point] = g_pct / 100.0
    g[conditional] = mode_weight[seg[conditional]] / cond_total[seg[conditional]]

    dists = _assemble(cond, truth[two_point], distractor[two_point], g_pct)
    false_object = distractor.copy()
    false_object[conditional] = _conditional_false_versions(
        rng, cond, rel_objects, seg[conditional], relation[conditional], truth[conditional])

    new_subject = np.r_[True, subject[1:] != subject[:-1]]  # facts of a subject are contiguous
    subject_rank = np.cumsum(new_subject) - 1
    starts = np.flatnonzero(new_subject)
    facts = CorpusFacts(
        subject=subject, relation=relation, kg_object=kg_object, object=truth.astype(np.int32),
        kind=np.where(conditional, KIND_CONDITIONAL, KIND_TWO_POINT).astype(np.int8), g=g,
        distractor=distractor, false_object=false_object.astype(np.int32),
        upstream_object=np.where(conditional, upstream, -1).astype(np.int32), segment=seg,
        subject_rank=subject_rank.astype(np.int64), subject_order=subject[starts],
        subject_start=starts.astype(np.int64), subject_count=np.diff(np.r_[starts, len(pick)]).astype(np.int64),
    )
    return facts, dists, cond


def _mode_weights(cond: Conditionals) -> np.ndarray:
    if not len(cond.relation):
        return np.zeros(0, np.int64)
    seg_of = np.repeat(np.arange(len(cond.relation)), np.diff(cond.offsets))
    is_mode = cond.objects == cond.mode[seg_of]
    out = np.zeros(len(cond.relation), np.int64)
    out[seg_of[is_mode]] = cond.weights[is_mode]
    return out


def _assemble(cond: Conditionals, truth: np.ndarray, distractor: np.ndarray, g_pct: np.ndarray) -> Distributions:
    """Conditional segments, then one (truth, distractor) segment per two-point fact."""
    n = len(truth)
    pair_objects = np.column_stack([truth, distractor]).ravel()
    pair_weights = np.column_stack([g_pct, 100 - g_pct]).ravel()
    offsets = np.r_[cond.offsets, cond.offsets[-1] + 2 * np.arange(1, n + 1)]
    return Distributions(offsets=offsets.astype(np.int64),
                         objects=np.r_[cond.objects, pair_objects].astype(np.int32),
                         weights=np.r_[cond.weights, pair_weights].astype(np.int64))


def _conditional_false_versions(rng: np.random.Generator, cond: Conditionals, rel_objects: RelationObjects,
                                seg: np.ndarray, relation: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """A non-modal object drawn from the conditional (mode removed); when the conditional has only
    its mode, the distractor rule (uniform among the relation's other objects) instead."""
    seg_of = np.repeat(np.arange(len(cond.relation)), np.diff(cond.offsets))
    without_mode = np.where(cond.objects == cond.mode[seg_of], 0, cond.weights)
    rest = Distributions(offsets=cond.offsets, objects=cond.objects, weights=without_mode)
    rest_total = np.add.reduceat(without_mode, cond.offsets[:-1]) if len(cond.relation) else np.zeros(0, np.int64)
    has_rest = rest_total[seg] > 0
    out = np.empty(len(seg), np.int32)
    out[has_rest] = rest.sample(rng, seg[has_rest])
    out[~has_rest] = draw_distractors(rng, rel_objects, relation[~has_rest], truth[~has_rest])
    return out
