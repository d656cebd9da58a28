"""Where a generated answer ends (kgedit.lm.sentences), with the names of the default world."""

from __future__ import annotations

import pytest

from kgedit.lm.sentences import answer_matches, cut_answer, inner_stops, sentence_end


@pytest.mark.parametrize("text, expected", [
    (" Yale. Ann Lee", " Yale"),
    (" Yale.", " Yale"),
    (' Yale" is true', " Yale"),
    (' Yale." is', " Yale"),
    (" Juventus F.C.. Ann Lee", " Juventus F.C."),
    (" Washington, D.C.. Ann", " Washington, D.C."),
    (" New York", " New York"),
    ("", ""),
])
def test_the_answer_ends_at_a_sentence_final_dot_or_a_quote(text, expected):
    assert cut_answer(text) == expected


def test_a_dot_and_space_inside_a_known_name_is_not_the_end():
    inner = inner_stops(["St. Cloud", "1. FC Nürnberg", "Boston"])
    assert inner == frozenset({"st", "1"})
    assert cut_answer(" St. Cloud. Ann", inner) == " St. Cloud"
    assert cut_answer(" 1. FC Nürnberg. Ann", inner) == " 1. FC Nürnberg"
    assert cut_answer(" St. Cloud. Ann") == " St"           # without the names, ". " ends it


def test_a_dot_at_the_end_is_undecided_while_decoding_goes_on():
    assert sentence_end(" Juventus F.C.", final=False) is None
    assert sentence_end(" Juventus F.C.", final=True) == len(" Juventus F.C")
    assert sentence_end(" Juventus F.C.. A", final=False) == len(" Juventus F.C.")


@pytest.mark.parametrize("text, name, hit", [
    (" Boston", "boston", True),
    (" Boston. Ann", "Boston", True),
    (' Boston" is', "Boston", True),
    (" Boston Celtics", "Boston", False),
    (" Juventus F.C.", "Juventus F.C.", True),
    (" Juventus F.C.. Ann", "Juventus F.C.", True),
    (" Juventus F.C..", "Juventus F.C.", True),
    (" Juventus F.C.", "Juventus F.C", True),          # the '.' after a name ends it when the name has none
    (" Juventus F.C.", "Juventus F", False),
    (" Juventus F", "Juventus F.C.", False),
    (" St. Cloud", "St. Cloud", True),
    ("", "Boston", False),
])
def test_an_answer_matches_a_name_followed_by_nothing_or_a_boundary(text, name, hit):
    assert answer_matches(text, name) is hit
