"""A plain numpy reference of the Bayesian model with dense K-vectors, straight from SPEC §4.

It shares no code or algebra with the SQL (no sparse/uniform split, no deltas: an edit is one more
evidence row and everything is recomputed), so it serves as the independent cross-check in tests and
as the per-query baseline in bench/bayes.py. Only for small worlds or a few queries: it is dense.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

EvidenceRow = tuple[str, str, str, float, int]  # subject, relation, object, weight, copies


@dataclass
class DenseModel:
    objects: Sequence[str]                       # the K objects, in objects.object_idx order
    pairs: Sequence[tuple[str, str]]             # (upstream_id, downstream_id)
    evidence: list[EvidenceRow]
    prior_mass: float = 1.0
    _rows: dict[tuple[str, str], list[EvidenceRow]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index = {o: i for i, o in enumerate(self.objects)}
        self.k = len(self.objects)
        rows: dict[tuple[str, str], list[EvidenceRow]] = defaultdict(list)
        for row in self.evidence:
            rows[(row[0], row[1])].append(row)
        self._rows = dict(rows)
        self.by_relation: dict[str, set[str]] = defaultdict(set)
        for s, r in self._rows:
            self.by_relation[r].add(s)

    def with_edit(self, subject: str, relation: str, obj: str, weight: float) -> DenseModel:
        """The model after one more evidence item of weight `weight` (>= 1)."""
        return DenseModel(self.objects, self.pairs, [*self.evidence, (subject, relation, obj, weight, 1)],
                          self.prior_mass)

    def counts(self, subject: str, relation: str) -> np.ndarray:
        """Dense count vector, shape (K,)."""
        c = np.zeros(self.k)
        for _, _, o, w, copies in self._rows.get((subject, relation), ()):
            i = self.index[o]
            if w >= 1:
                c[i] += copies * w
            elif w > 0:
                c += copies * (1 - w) / (self.k - 1)
                c[i] += copies * (w - (1 - w) / (self.k - 1))
            elif w < 0:
                c += copies * -w / (self.k - 1)
                c[i] -= copies * -w / (self.k - 1)
        return c

    def has(self, subject: str, relation: str) -> bool:
        return (subject, relation) in self._rows

    def direct(self, subject: str, relation: str) -> np.ndarray:
        c = self.counts(subject, relation)
        return (self.prior_mass / self.k + c) / (self.prior_mass + c.sum())

    def shares(self, subject: str, upstream: str) -> dict[str, float]:
        positive: dict[str, float] = defaultdict(float)
        for _, _, o, w, copies in self._rows.get((subject, upstream), ()):
            if w > 0:
                positive[o] += copies * w
        total = sum(positive.values())
        return {u: m / total for u, m in positive.items()} if total > 0 else {}

    def conditional(self, upstream: str, downstream: str, value: str) -> np.ndarray:
        c = np.zeros(self.k)
        for s in self.by_relation[upstream] & self.by_relation[downstream]:
            share = self.shares(s, upstream).get(value, 0.0)
            if share:
                c += share * self.counts(s, downstream)
        return (self.prior_mass / self.k + c) / (self.prior_mass + c.sum())

    def conditional_matrix(self, upstream: str, downstream: str) -> np.ndarray:
        """p(o_d | D, u) for all K values u, shape (K, K) — exact over every u."""
        return np.stack([self.conditional(upstream, downstream, u) for u in self.objects])

    def marginal(self, subject: str, downstream: str) -> np.ndarray:
        upstream = self.upstream_of(downstream)
        return self.direct(subject, upstream) @ self.conditional_matrix(upstream, downstream)

    def upstream_of(self, relation: str) -> str | None:
        return next((u for u, d in self.pairs if d == relation), None)

    def target(self, subject: str, relation: str, edited: tuple[str, str] | None = None) -> tuple[str, np.ndarray]:
        upstream = self.upstream_of(relation)
        if upstream is not None and self.has(subject, upstream) and edited != (subject, relation):
            return "marginal", self.marginal(subject, relation)
        return "direct", self.direct(subject, relation)


def evidence_rows(rows: Iterable[Sequence]) -> list[EvidenceRow]:
    return [(str(s), str(r), str(o), float(w), int(c)) for s, r, o, w, c in rows]
