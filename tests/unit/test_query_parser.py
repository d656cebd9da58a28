"""The query grammar (SPEC §5): ASTs of the documented forms, caret errors, and fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgedit.errors import KgeditError
from kgedit.query.parser import (MAX_DEPTH, MAX_FACTS, MAX_LENGTH, Atom, Belief, BinOp, Not, QueryError, Weight,
                                 parse, tokenize)


def test_population_conditional():
    q = parse('P(occupation | educated_at="GT school of architecture")')
    assert isinstance(q, Belief) and q.relation.text == "occupation" and q.subject is None
    assert [(r.text, v.text) for r, v in q.given] == [("educated_at", "GT school of architecture")]


def test_single_probability_with_subject():
    q = parse('P(occupation=architect | subject="Arthur Green")')
    assert q.object.text == "architect" and q.subject.text == "Arthur Green" and q.given == ()


def test_edit_weights_n_and_p():
    q = parse('P(occupation | subject="Arthur Green", educated_at="Yale" @ n=1000)')
    assert q.weight == Weight("n", 1000.0, q.weight.column) and q.given[0][1].text == "Yale"
    q = parse("p(occupation | subject='Arthur Green', \"educated at\"=Yale @ P=0.95)")
    assert q.weight.kind == "p" and q.weight.value == 0.95 and q.given[0][0].quoted


def test_logical_formula_precedence_not_and_or():
    q = parse('P("A r o" and not "B r o" or "C r o")')
    assert isinstance(q, BinOp) and q.op == "or"
    assert isinstance(q.left, BinOp) and q.left.op == "and" and isinstance(q.left.right, Not)
    assert isinstance(q.right, Atom) and q.right.text.text == "C r o"
    q = parse('P(not ("A r o" or "B r o"))')
    assert isinstance(q, Not) and isinstance(q.operand, BinOp)


def test_strings_keep_quotes_semicolons_and_escapes_as_values():
    q = parse(r'P(occupation | subject="Robert\"); DROP TABLE facts; --")')
    assert q.subject.text == 'Robert"); DROP TABLE facts; --'


@pytest.mark.parametrize("text, column", [
    ("P(occupation | subject=x", 24),
    ("Q(occupation)", 0),
    ("P(occupation | subject=)", 23),
    ('P(occupation | subject="unterminated)', 23),
    ("P(occupation | subject=x @ q=3)", 27),
    ("P(occupation) extra", 14),
    ('P("a b c" and)', 13),
])
def test_syntax_error_points_a_caret_at_the_column(text, column):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert info.value.column == column
    caret_line = info.value.message.splitlines()[-1]
    assert caret_line == "  " + " " * column + "^"


def test_tokenizer_tracks_columns():
    tokens = tokenize('P( occupation="x y" )')
    assert [(t.kind, t.text, t.column) for t in tokens] == [
        ("WORD", "P", 0), ("SYMBOL", "(", 1), ("WORD", "occupation", 3), ("SYMBOL", "=", 13),
        ("STRING", "x y", 14), ("SYMBOL", ")", 20), ("END", "", 21)]


@pytest.mark.parametrize("text", [
    "P(" + "(" * 330 + '"a r b"' + ")" * 330 + ")",
    "P(" + "not " * 990 + '"a r b")',
    "P(" + "not (" * 200 + '"a r b"' + ")" * 200 + ")",
])
def test_deep_nesting_is_a_query_error_naming_the_limit(text):
    """Was a RecursionError traceback (~330 '(' or ~990 'not')."""
    with pytest.raises(QueryError, match=f"more than {MAX_DEPTH} deep") as info:
        parse(text)
    assert info.value.column is not None and info.value.hint


def test_nesting_up_to_the_limit_parses():
    q = parse("P(" + "not " * MAX_DEPTH + '"a r b")')
    for _ in range(MAX_DEPTH):
        q = q.operand
    assert isinstance(q, Atom)
    q = parse("P(" + "(" * MAX_DEPTH + '"a r b"' + ")" * MAX_DEPTH + ")")
    assert isinstance(q, Atom)


def test_fact_count_and_length_are_bounded_before_any_recursion():
    ok = parse("P(" + " and ".join(['"a r b"'] * MAX_FACTS) + ")")
    assert isinstance(ok, BinOp)
    with pytest.raises(QueryError, match=f"at most {MAX_FACTS} facts") as info:
        parse("P(" + " or ".join(['"a r b"'] * 500) + ")")
    assert info.value.column == 2 + MAX_FACTS * len('"a r b" or ')
    with pytest.raises(QueryError, match=f"at most {MAX_LENGTH}"):
        parse("P(occupation | subject=" + "x" * MAX_LENGTH + ")")


@pytest.mark.parametrize("number", ["1e309", "-1e309", "1E400"])
@pytest.mark.parametrize("kind", ["n", "p"])
def test_weight_must_be_a_finite_number(kind, number):
    """@ n=1e309 read as inf and gave all-NaN probabilities with exit 0."""
    text = f'P(occupation | subject="A", educated_at=Yale @ {kind}={number})'
    with pytest.raises(QueryError, match="finite number") as info:
        parse(text)
    assert info.value.column == text.index(number)


def test_undecodable_bytes_are_a_query_error():
    """argv bytes that are not UTF-8 arrive as lone surrogates, which no database can bind or print."""
    text = b"P(occupation | subject=\xff)".decode("utf-8", "surrogateescape")
    with pytest.raises(QueryError, match="not valid UTF-8"):
        parse(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('P()|,=@"\'nop ab\\.0123-') + [" and ", " or ", "not ", "subject"]),
                max_size=25).map("".join) | st.text(max_size=30))
def test_random_input_raises_only_query_errors(text):
    assert issubclass(QueryError, KgeditError)
    try:
        parse(text)
    except QueryError:
        pass
