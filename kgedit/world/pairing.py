"""Pair the chosen relations into upstream -> downstream pairs (SPEC §1.4).

Maximum-weight perfect matching (networkx) on the row-normalised co-occurrence matrix, then a
direction for each pair: the paper's Table 2 where it names the pair, else file order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kgedit.world.choice import Cooccurrence

# Hase et al. 2024, Table 2: upstream -> downstream.
PAPER_TABLE2: dict[frozenset[str], tuple[str, str]] = {
    frozenset(pair): pair
    for pair in (("P69", "P106"), ("P19", "P27"), ("P413", "P54"), ("P641", "P421"), ("P31", "P17"))
}

DIRECTIONS = ("paper", "file_order")


@dataclass(frozen=True)
class RelationPair:
    upstream_id: str
    downstream_id: str
    weight: float
    direction_rule: str


def normalised_weights(chosen: Sequence[str], cooccurrence: Cooccurrence) -> dict[tuple[str, str], float]:
    """w[i,j] = Cn[i,j] + Cn[j,i] for i before j in `chosen`, Cn = C restricted to the chosen
    relations with each row divided by its sum (a row of zeros stays zero)."""
    row_sum = {a: sum(cooccurrence.get((a, b), 0) for b in chosen if b != a) for a in chosen}

    def cn(a: str, b: str) -> float:
        return cooccurrence.get((a, b), 0) / row_sum[a] if row_sum[a] else 0.0

    return {(a, b): cn(a, b) + cn(b, a) for i, a in enumerate(chosen) for b in chosen[i + 1:]}


def match_pairs(chosen: Sequence[str], cooccurrence: Cooccurrence) -> list[tuple[str, str, float]]:
    """Maximum-weight perfect matching; each pair (a, b, weight) with a before b in `chosen`.

    Every pair of relations gets an edge (zero weight too), so a perfect matching always exists for
    an even count; maxcardinality=True makes networkx return one. Nodes and edges are added in
    choice order, which makes networkx's answer deterministic."""
    import networkx as nx

    weights = normalised_weights(chosen, cooccurrence)
    graph = nx.Graph()
    graph.add_nodes_from(chosen)
    for (a, b), w in weights.items():
        graph.add_edge(a, b, weight=w)
    matching = nx.max_weight_matching(graph, maxcardinality=True, weight="weight")
    rank = {r: i for i, r in enumerate(chosen)}
    pairs = [tuple(sorted(edge, key=rank.__getitem__)) for edge in matching]
    if 2 * len(pairs) != len(chosen):  # cannot happen on a complete graph; guard the invariant
        raise AssertionError("matching is not perfect")
    return sorted(((a, b, weights[(a, b)]) for a, b in pairs), key=lambda p: rank[p[0]])


def orient(a: str, b: str, first_seen: Mapping[str, int], direction: str = "paper") -> tuple[str, str, str]:
    """(upstream, downstream, rule). 'paper': Table 2 where it names the pair; otherwise (and always
    for 'file_order') the relation that first appears in file order is downstream."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    if direction == "paper" and frozenset((a, b)) in PAPER_TABLE2:
        up, down = PAPER_TABLE2[frozenset((a, b))]
        return up, down, "paper_table2"
    down, up = sorted((a, b), key=lambda r: (first_seen[r], r))
    return up, down, "file_order"


def pair_relations(chosen: Sequence[str], cooccurrence: Cooccurrence, first_seen: Mapping[str, int],
                   direction: str = "paper") -> list[RelationPair]:
    """Matched and oriented pairs, ordered by the upstream relation's choice rank (= pair_id)."""
    rank = {r: i for i, r in enumerate(chosen)}
    pairs = []
    for a, b, w in match_pairs(chosen, cooccurrence):
        up, down, rule = orient(a, b, first_seen, direction)
        pairs.append(RelationPair(up, down, w, rule))
    return sorted(pairs, key=lambda p: rank[p.upstream_id])
