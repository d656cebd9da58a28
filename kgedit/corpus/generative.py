"""The generative model p(o | s, r, upstream) of SPEC §2, as integer-weighted distributions.

Pure numpy over dense integer codes (subjects, relations and objects numbered in sorted id order).
Every distribution is a segment of one CSR structure (`offsets`, `objects`, `weights`): weights are
whole numbers, so sampling is exact integer arithmetic and a weight of 0 is never drawn.

* two-point (no upstream for (s, r)): the KG object with weight g·100 and one distractor with
  (1−g)·100, g on the grid {min_true_prob, min_true_prob+0.01, …, 1.00}.
* conditional (downstream D whose subject has the upstream U in the KG): the counts of D-objects
  over all KG subjects sharing the subject's U-object; if the mode's share is below min_true_prob its
  count is raised to ceil(rest·p/(1−p)). Ties for the mode go to the lowest object code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgedit.errors import KgeditError

KIND_TWO_POINT = 0
KIND_CONDITIONAL = 1
KIND_NAMES = ("two_point", "conditional")
G_STEP = 0.01  # the grid of g: SPEC says Uniform{0.60, …, 1.00}; we use steps of 0.01 (41 values)


@dataclass(frozen=True)
class WorldArrays:
    """The KG as parallel arrays, one entry per fact, sorted by (subject, relation).

    upstream_object: for a downstream fact whose subject has the partner upstream relation, that
    upstream object's code; −1 otherwise. is_downstream: the relation's role.
    """

    subject: np.ndarray
    relation: np.ndarray
    object: np.ndarray
    is_downstream: np.ndarray
    upstream_object: np.ndarray
    upstream_relation: np.ndarray  # partner relation code of a downstream relation, −1 for upstream ones
    n_subjects: int
    n_relations: int
    n_objects: int


@dataclass(frozen=True)
class Conditionals:
    """Shared empirical conditionals p(o_d | D, U=u) after the floor: one segment per (D, u)."""

    relation: np.ndarray        # per segment: downstream relation code D
    upstream_object: np.ndarray  # per segment: u
    offsets: np.ndarray         # segment k spans objects[offsets[k]:offsets[k+1]]
    objects: np.ndarray         # sorted within a segment
    counts: np.ndarray          # raw number of KG subjects (D=o, U=u)
    weights: np.ndarray         # counts with the mode raised to the floor
    mode: np.ndarray            # per segment: the modal object (the new ground truth)


def g_grid(min_true_prob: float) -> np.ndarray:
    """Whole percentages from ceil(min_true_prob·100) to 100, e.g. 60..100 for 0.6."""
    low = int(np.ceil(round(min_true_prob * 100, 9)))
    return np.arange(low, 101, dtype=np.int64)


def floor_count(rest: np.ndarray, min_true_prob: float) -> np.ndarray:
    """Smallest whole count c with c / (c + rest) >= min_true_prob: ceil(rest·p/(1−p))."""
    raw = rest.astype(np.float64) * min_true_prob / (1.0 - min_true_prob)
    # The 1e-9 guard keeps 1.5·rest (exact in decimal) from rounding up through float error.
    return np.ceil(raw - 1e-9).astype(np.int64)


def build_conditionals(world: WorldArrays, min_true_prob: float) -> Conditionals:
    """Count D-objects per (D, u) over every KG subject having both U and D, then apply the floor."""
    has_u = world.upstream_object >= 0
    rel = world.relation[has_u].astype(np.int64)
    up = world.upstream_object[has_u].astype(np.int64)
    obj = world.object[has_u].astype(np.int64)
    k = np.int64(max(world.n_objects, 1))
    key = (rel * k + up) * k + obj
    uniq, counts = np.unique(key, return_counts=True)  # sorted by (D, u, o)
    seg_key = uniq // k
    objects = (uniq % k).astype(np.int32)
    starts = np.flatnonzero(np.diff(seg_key, prepend=-1) != 0)  # empty when nothing is conditional
    offsets = np.r_[starts, len(uniq)].astype(np.int64)
    seg_of = np.repeat(np.arange(len(starts)), np.diff(offsets))
    totals = np.add.reduceat(counts, starts) if len(starts) else np.zeros(0, np.int64)
    # Mode: highest count, ties to the lowest object (entries are sorted by object within a segment).
    order = np.lexsort((objects, -counts, seg_of))
    mode_pos = order[offsets[:-1]] if len(starts) else np.zeros(0, np.int64)
    mode_count = counts[mode_pos]
    rest = totals - mode_count
    needs_floor = mode_count < min_true_prob * totals
    weights = counts.astype(np.int64).copy()
    weights[mode_pos[needs_floor]] = floor_count(rest[needs_floor], min_true_prob)
    return Conditionals(
        relation=(seg_key[starts] // k).astype(np.int32),
        upstream_object=(seg_key[starts] % k).astype(np.int32),
        offsets=offsets, objects=objects, counts=counts.astype(np.int64), weights=weights,
        mode=objects[mode_pos],
    )


def find_segments(cond: Conditionals, relation: np.ndarray, upstream_object: np.ndarray,
                  n_objects: int) -> np.ndarray:
    """Segment index of each (D, u) pair (every pair asked for must exist)."""
    k = np.int64(max(n_objects, 1))
    seg_key = cond.relation.astype(np.int64) * k + cond.upstream_object
    want = relation.astype(np.int64) * k + upstream_object
    idx = np.searchsorted(seg_key, want)
    if len(want) and (idx.max(initial=0) >= len(seg_key) or np.any(seg_key[idx] != want)):
        raise AssertionError("a conditional fact has no conditional distribution")
    return idx


@dataclass(frozen=True)
class RelationObjects:
    """Distinct objects of each relation in the KG, sorted; `keys` = relation·K + object (sorted)."""

    offsets: np.ndarray  # relation r spans objects[offsets[r]:offsets[r+1]]
    objects: np.ndarray
    keys: np.ndarray
    n_objects: int

    @staticmethod
    def of(world: WorldArrays) -> RelationObjects:
        k = np.int64(max(world.n_objects, 1))
        keys = np.unique(world.relation.astype(np.int64) * k + world.object)
        offsets = np.searchsorted(keys // k, np.arange(world.n_relations + 1))
        return RelationObjects(offsets=offsets.astype(np.int64), objects=(keys % k).astype(np.int32),
                               keys=keys, n_objects=int(k))


def draw_distractors(rng: np.random.Generator, rel_objects: RelationObjects, relation: np.ndarray,
                     true_object: np.ndarray) -> np.ndarray:
    """One object per fact, uniform among the relation's other objects (SPEC §2).

    `true_object` must be an object of that relation in the KG. A relation with a single object has
    no other object of its own: then uniform among all other K objects (the original paper's rule).
    """
    relation = relation.astype(np.int64)
    start = rel_objects.offsets[relation]
    size = rel_objects.offsets[relation + 1] - start
    local_true = np.searchsorted(rel_objects.keys, relation * rel_objects.n_objects + true_object) - start
    pick = rng.integers(0, np.maximum(size - 1, 1))
    own = size >= 2
    local = np.where(own, pick + (pick >= local_true), 0)
    out = rel_objects.objects[np.minimum(start + local, len(rel_objects.objects) - 1)].copy()
    lonely = ~own
    if lonely.any():
        if rel_objects.n_objects < 2:
            raise KgeditError("The world has a single object, so no fact can have a false version.",
                              "Build a larger world: kgedit world build --subjects N --db world.duckdb (more subjects)")
        j = rng.integers(0, rel_objects.n_objects - 1, size=int(lonely.sum()))
        out[lonely] = j + (j >= true_object[lonely])
    return out.astype(np.int32)
