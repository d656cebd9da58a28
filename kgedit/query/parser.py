"""Hand-written tokenizer and recursive-descent parser for `kgedit query` (SPEC §5). Pure: no database.

Grammar (keywords case-insensitive):
    query     := 'P' '(' ( formula | belief ) ')'
    belief    := relation [ '=' value ] [ '|' condition { ',' condition } [ '@' weight ] ]
    condition := ( 'subject' | relation ) '=' value
    weight    := 'n' '=' NUMBER | 'p' '=' NUMBER
    formula   := conj { 'or' conj } ;  conj := unary { 'and' unary } ;
    unary     := 'not' unary | '(' formula ')' | STRING          -- STRING = "subject relation object"
    relation  := WORD | STRING ;  value := WORD | STRING | NUMBER

Limits, checked here before any recursion can run deep: at most MAX_LENGTH characters, MAX_DEPTH nested
'not'/'(' and MAX_FACTS quoted facts; a weight must be a finite number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kgedit import checks
from kgedit.errors import KgeditError

MAX_LENGTH = 10_000   # characters; a real query is a few hundred
MAX_DEPTH = 100       # nested 'not' and '(' (far below Python's recursion limit)
MAX_FACTS = 12        # quoted facts in a formula: the exact answer enumerates the joint of their variables


class QueryError(KgeditError):
    """A malformed or unresolvable query; the message points a caret at the column."""

    def __init__(self, message: str, text: str = "", column: int | None = None, hint: str | None = None) -> None:
        if column is not None:
            message = f"{message} (column {column + 1})\n  {text}\n  {' ' * column}^"
        super().__init__(message, hint or 'Example: kgedit query \'P(place_of_birth | subject="Alan Cottrell")\'')
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str      # WORD, STRING, NUMBER, SYMBOL, END
    text: str      # the value (strings unquoted)
    column: int


@dataclass(frozen=True)
class Name:
    text: str
    column: int
    quoted: bool = False


@dataclass(frozen=True)
class Weight:
    kind: str      # 'n' (given weight) or 'p' (n' for this target probability)
    value: float
    column: int


@dataclass(frozen=True)
class Belief:
    relation: Name
    object: Name | None
    subject: Name | None
    given: tuple[tuple[Name, Name], ...]
    weight: Weight | None


@dataclass(frozen=True)
class Atom:
    text: Name


@dataclass(frozen=True)
class Not:
    operand: Formula


@dataclass(frozen=True)
class BinOp:
    op: str        # 'and' | 'or'
    left: Formula
    right: Formula


Formula = Atom | Not | BinOp
Query = Belief | Formula

_TOKEN = re.compile(r"""\s*(?:(?P<STRING>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<SYMBOL>[()|,=@])"""
                    r"""|(?P<WORD>[^\s()|,=@"']+))""")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ESCAPE = re.compile(r"\\(.)")


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The query is {len(text)} characters long; at most {MAX_LENGTH} are read.",
                         hint="Split it into smaller queries.")
    bad = next((i for i, ch in enumerate(text) if "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:   # undecodable bytes reach argv as lone surrogates; no database can bind them
        raise QueryError(f"The query is not valid UTF-8 text (column {bad + 1}).",
                         hint="Write names as they are stored, in UTF-8.")
    tokens, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return tokens + [Token("END", "", len(text))]
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            what = "unterminated string" if text[pos] in "\"'" else f"unexpected character {text[pos]!r}"
            raise QueryError(f"Syntax error: {what}", text, pos)
        kind = m.lastgroup or "WORD"
        raw = m.group(kind)
        start = m.start(kind)
        if kind == "STRING":
            tokens.append(Token("STRING", _ESCAPE.sub(r"\1", raw[1:-1]), start))
        elif kind == "WORD" and _NUMBER.match(raw):
            tokens.append(Token("NUMBER", raw, start))
        else:
            tokens.append(Token(kind, raw, start))
        pos = m.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0    # 'not' and '(' currently open
        self.facts = 0    # quoted facts read so far

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, expected: str, tok: Token | None = None) -> QueryError:
        tok = tok or self.tok
        found = "end of query" if tok.kind == "END" else repr(tok.text)
        return QueryError(f"Syntax error: expected {expected}, found {found}", self.text, tok.column)

    def take(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def is_symbol(self, s: str) -> bool:
        return self.tok.kind == "SYMBOL" and self.tok.text == s

    def is_keyword(self, word: str) -> bool:
        return self.tok.kind == "WORD" and self.tok.text.lower() == word

    def expect_symbol(self, s: str) -> Token:
        if not self.is_symbol(s):
            raise self.error(repr(s))
        return self.take()

    def query(self) -> Query:
        if not (self.tok.kind == "WORD" and self.tok.text in ("P", "p")):
            raise self.error("'P(' to start a query")
        self.take()
        self.expect_symbol("(")
        nxt = self.tokens[self.i + 1] if self.tok.kind != "END" else self.tok
        is_formula = (self.is_keyword("not") or self.is_symbol("(")
                      or (self.tok.kind == "STRING" and not (nxt.kind == "SYMBOL" and nxt.text in "=|")))
        result: Query = self.formula() if is_formula else self.belief()
        self.expect_symbol(")")
        if self.tok.kind != "END":
            raise self.error("end of query")
        return result

    def name(self, what: str, allow_number: bool = False) -> Name:
        kinds = ("WORD", "STRING", "NUMBER") if allow_number else ("WORD", "STRING")
        if self.tok.kind not in kinds:
            raise self.error(what)
        tok = self.take()
        return Name(tok.text, tok.column, tok.kind == "STRING")

    def belief(self) -> Belief:
        relation = self.name("a relation name")
        obj = None
        if self.is_symbol("="):
            self.take()
            obj = self.name("an object", allow_number=True)
        subject, given, weight = None, [], None
        if self.is_symbol("|"):
            self.take()
            while True:
                left = self.name("'subject' or a relation name")
                self.expect_symbol("=")
                value = self.name("a value", allow_number=True)
                if left.text.lower() == "subject" and not left.quoted:
                    if subject is not None:
                        raise QueryError("subject is given twice", self.text, left.column)
                    subject = value
                else:
                    given.append((left, value))
                if self.is_symbol("@"):
                    weight = self.weight()
                    break
                if not self.is_symbol(","):
                    break
                self.take()
        return Belief(relation, obj, subject, tuple(given), weight)

    def weight(self) -> Weight:
        at = self.expect_symbol("@")
        if not (self.is_keyword("n") or self.is_keyword("p")):
            raise self.error("'n=' or 'p=' after '@'")
        kind = self.take().text.lower()
        self.expect_symbol("=")
        if self.tok.kind != "NUMBER":
            raise self.error("a number")
        tok = self.take()
        try:
            value = checks.finite(f"The weight {kind}", float(tok.text))
        except KgeditError as exc:   # 1e309 reads as inf
            raise QueryError(exc.message.rstrip("."), self.text, tok.column,
                             "Use e.g. @ n=1000 or @ p=0.95." if kind == "n" else "Use e.g. @ p=0.95.") from None
        return Weight(kind, value, at.column)

    def formula(self) -> Formula:
        left = self.conj()
        while self.is_keyword("or"):
            self.take()
            left = BinOp("or", left, self.conj())
        return left

    def conj(self) -> Formula:
        left = self.unary()
        while self.is_keyword("and"):
            self.take()
            left = BinOp("and", left, self.unary())
        return left

    def unary(self) -> Formula:
        if self.is_keyword("not") or self.is_symbol("("):
            return self.nested()
        if self.tok.kind != "STRING":
            raise self.error('a quoted fact like "Alan Cottrell occupation engineer", "not" or "("')
        self.facts += 1
        if self.facts > MAX_FACTS:
            raise QueryError(f"A formula may mention at most {MAX_FACTS} facts", self.text, self.tok.column,
                             "Split it into smaller queries.")
        tok = self.take()
        return Atom(Name(tok.text, tok.column, True))

    def nested(self) -> Formula:
        """'not' unary | '(' formula ')', at most MAX_DEPTH deep."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"The formula nests 'not' and '(' more than {MAX_DEPTH} deep", self.text,
                             self.tok.column, "Simplify it: 'not not x' is x, and extra parentheses change nothing.")
        opener = self.take()
        if opener.kind == "SYMBOL":
            result = self.formula()
            self.expect_symbol(")")
        else:
            result = Not(self.unary())
        self.depth -= 1
        return result


def parse(text: str) -> Query:
    """Parse a query; every failure is a QueryError pointing at a column."""
    return _Parser(text).query()
