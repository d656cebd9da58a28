"""Pairing by maximum-weight matching and direction (SPEC §1.4), with the weights worked out by hand."""

from __future__ import annotations

import pytest

from kgedit.world.pairing import RelationPair, match_pairs, normalised_weights, orient, pair_relations

from .test_world_choice import TINY, sym

CHOSEN = ["P106", "P19", "P69", "P27"]
FIRST_SEEN = {"P106": 1, "P19": 2, "P27": 3, "P69": 11}


def test_normalised_weights_of_the_tiny_world():
    # Row sums over the chosen: P106 5, P19 4, P27 4, P69 3.
    w = normalised_weights(CHOSEN, TINY)
    assert w[("P106", "P19")] == pytest.approx(2 / 5 + 2 / 4)
    assert w[("P106", "P69")] == pytest.approx(2 / 5 + 2 / 3)
    assert w[("P106", "P27")] == pytest.approx(1 / 5 + 1 / 4)
    assert w[("P19", "P69")] == 0.0
    assert w[("P19", "P27")] == pytest.approx(2 / 4 + 2 / 4)
    assert w[("P69", "P27")] == pytest.approx(1 / 3 + 1 / 4)
    assert len(w) == 6


def test_matching_maximises_total_weight():
    # {P106-P69, P19-P27} = 16/15 + 1 beats {P106-P19, P69-P27} = 0.9 + 7/12 and {P106-P27, P19-P69} = 0.45.
    pairs = match_pairs(CHOSEN, TINY)
    assert [(a, b) for a, b, _ in pairs] == [("P106", "P69"), ("P19", "P27")]
    assert pairs[0][2] == pytest.approx(16 / 15)


def test_matching_is_perfect_even_with_zero_weight_edges():
    c = sym({("A", "B"): 5, ("C", "D"): 0})
    assert sorted((a, b) for a, b, _ in match_pairs(["A", "B", "C", "D"], c)) == [("A", "B"), ("C", "D")]


def test_paper_table2_decides_direction_where_it_names_the_pair():
    assert orient("P27", "P19", FIRST_SEEN) == ("P19", "P27", "paper_table2")
    assert orient("P106", "P69", FIRST_SEEN) == ("P69", "P106", "paper_table2")


def test_otherwise_the_relation_first_in_file_order_is_downstream():
    assert orient("P19", "P27", FIRST_SEEN, "file_order") == ("P27", "P19", "file_order")
    assert orient("X", "Y", {"X": 7, "Y": 3}) == ("X", "Y", "file_order")


def test_pairs_are_numbered_by_upstream_choice_rank():
    assert pair_relations(CHOSEN, TINY, FIRST_SEEN) == [
        RelationPair("P19", "P27", pytest.approx(1.0), "paper_table2"),
        RelationPair("P69", "P106", pytest.approx(16 / 15), "paper_table2")]
    by_file = pair_relations(CHOSEN, TINY, FIRST_SEEN, "file_order")
    assert [(p.upstream_id, p.downstream_id) for p in by_file] == [("P69", "P106"), ("P27", "P19")]
