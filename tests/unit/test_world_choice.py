"""Greedy relation choice (SPEC §1.2) and the --relations list, checked on small matrices by hand."""

from __future__ import annotations

import pytest

from kgedit.errors import KgeditError
from kgedit.world.choice import (PAPER_RELATIONS, check_named_relations, check_relation_count, greedy_choice,
                                 parse_relation_list, relation_options)


def sym(pairs: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    return {**pairs, **{(b, a): n for (a, b), n in pairs.items()}}


# The tiny fixture world's matrix (data/fixtures/tiny_world/README.md).
TINY = sym({("P106", "P19"): 2, ("P106", "P69"): 2, ("P19", "P27"): 2, ("P106", "P27"): 1, ("P27", "P69"): 1})


def test_greedy_walks_pairs_by_descending_count_with_id_tie_break():
    # (P106,P19) both new; (P106,P69) adds P69; (P19,P27) adds P27.
    assert greedy_choice(TINY, 4) == ["P106", "P19", "P69", "P27"]


def test_greedy_takes_both_of_the_first_pair_for_two_slots():
    assert greedy_choice(TINY, 2) == ["P106", "P19"]


def test_greedy_skips_a_pair_of_two_new_relations_when_one_slot_is_left():
    c = sym({("A", "B"): 9, ("C", "D"): 8, ("A", "E"): 1})
    # A,B taken; C,D both new with 1 slot left -> skipped; (A,E) adds E.
    assert greedy_choice(c, 3) == ["A", "B", "E"]


def test_greedy_returns_fewer_when_the_walk_runs_out():
    assert greedy_choice(TINY, 6) == ["P106", "P19", "P69", "P27"]


def test_greedy_ignores_zero_counts():
    assert greedy_choice({("A", "B"): 0, ("B", "A"): 0}, 2) == []


def test_paper_preset_is_the_ten_relations_of_table_2():
    assert parse_relation_list("paper") == list(PAPER_RELATIONS)
    assert set(PAPER_RELATIONS) == {"P69", "P106", "P19", "P27", "P413", "P54", "P641", "P421", "P31", "P17"}


def test_greedy_preset_means_the_greedy_choice():
    assert parse_relation_list(" Greedy ") is None


@pytest.mark.parametrize("text, preset", [("papr", "paper"), ("Paper2", "paper"), ("gredy", "greedy")])
def test_a_misspelt_preset_is_named(text, preset):
    with pytest.raises(KgeditError, match="is not a preset") as err:
        parse_relation_list(text)
    assert f"Did you mean --relations {preset}?" in err.value.hint


def test_relation_options_take_each_sources_default():
    assert relation_options("wikidata", None, None) == {"relation_ids": list(PAPER_RELATIONS), "n_relations": None}
    assert relation_options("wikidata5m", None, None) == {"relation_ids": None, "n_relations": 10}
    assert relation_options("wikidata", "greedy", 6) == {"relation_ids": None, "n_relations": 6}
    with pytest.raises(KgeditError, match="--n-relations only applies to the greedy choice"):
        relation_options("wikidata5m", "P69,P106", 4)


def test_relation_list_is_split_on_commas_keeping_order():
    assert parse_relation_list(" P69, P106 ,") == ["P69", "P106"]


@pytest.mark.parametrize("text", ["", " , ", "P69,P69"])
def test_bad_relation_lists_are_errors(text):
    with pytest.raises(KgeditError):
        parse_relation_list(text)


@pytest.mark.parametrize("n", [0, 1, 3, 9])
def test_relation_count_must_be_even_and_positive(n):
    with pytest.raises(KgeditError, match="even number"):
        check_relation_count(n)


LABELS = {"P69": "educated at", "P106": "occupation", "P735": "given name", "P131": "located in"}


def test_unknown_relation_suggests_close_ids_and_labels():
    with pytest.raises(KgeditError) as err:
        check_named_relations(["P69", "occupaton"], LABELS, {"P69": 3, "P106": 4})
    assert "occupaton" in err.value.message
    assert "P106 (occupation)" in err.value.hint


def test_excluded_relation_cannot_be_named():
    with pytest.raises(KgeditError, match="P735"):
        check_named_relations(["P69", "P735"], LABELS, {"P69": 3, "P735": 4})


def test_relation_without_facts_cannot_be_named():
    with pytest.raises(KgeditError, match="no triples left"):
        check_named_relations(["P69", "P106"], LABELS, {"P69": 3})
