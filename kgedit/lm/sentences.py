"""Where a generated answer ends, and whether it is a given object (SPEC §9: cut at the sentence
boundary, compare exactly). Pure string code, shared by decoding, the metrics and the probes.

The corpus writes `{s} {r} {o}. {s} {r2} {o2}.`, so the boundary after an answer is a '.' followed by a
space (or the end of the text, or '"' in the T/F forms), or a '"'. A '.' inside a name is not a
boundary: "Juventus F.C." is written "Juventus F.C.. …" (the name's own '.' is followed by '.'), and
names such as "St. Cloud" or "1. FC Nürnberg" hold ". " itself, which decoding skips when it is given
the names it may meet (`inner_stops`). Before, every '.' was a boundary, so no name with a '.' could
ever be answered correctly.
"""

from __future__ import annotations

from collections.abc import Iterable

QUOTE = '"'
# Part of every evaluation's fingerprint: results measured under another rule are not resumed into.
# 1: every '.' ended the answer; 2: the sentence's '.' (this module).
RULE_VERSION = 2


def inner_stops(names: Iterable[str]) -> frozenset[str]:
    """The lowercased starts of names that continue after a ". " inside them ("st" for "St. Cloud")."""
    out = set()
    for name in names:
        name = name.strip()
        at = name.find(". ")
        while at != -1:
            out.add(name[:at].lower())
            at = name.find(". ", at + 1)
    return frozenset(out)


def sentence_end(text: str, inner: frozenset[str] = frozenset(), *, final: bool = True) -> int | None:
    """Index of the first boundary in `text`: a '"', or a '.' followed by whitespace or '"' (or by the
    end of the text when `final`: the text will not grow), unless the text before that '.' is the start
    of a name in `inner`. None: no boundary (yet)."""
    for i, ch in enumerate(text):
        if ch == QUOTE:
            return i
        if ch != ".":
            continue
        nxt = text[i + 1] if i + 1 < len(text) else None
        if nxt is None and not final:
            return None
        if (nxt is None or nxt.isspace() or nxt == QUOTE) and text[:i].strip().lower() not in inner:
            return i
    return None


def cut_answer(text: str, inner: frozenset[str] = frozenset(), *, final: bool = True) -> str:
    """`text` up to its first boundary (not stripped); final=False keeps a '.' that ends the text (a
    continuation cut off by its token budget: "Juventus F.C." may be the whole name)."""
    end = sentence_end(text, inner, final=final)
    return text if end is None else text[:end]


def answer_matches(text: str, name: str) -> bool:
    """Whether the generated `text` answers exactly `name` (case and outer spaces aside): it is the
    name, followed by nothing or by a boundary. Knowing the name, a '.' inside it ("F.C.", "St. Cloud")
    is never mistaken for the end. (So " St. Cloud" would also answer a name "St": decoding, which
    knows the names, has already cut the text where the answer ends.)"""
    got, want = text.strip().lower(), name.strip().lower()
    if not got.startswith(want):
        return False
    rest = got[len(want):]
    # after the name: nothing, '"', or a '.' that ends the sentence (followed by a space, '"', the end, or
    # another '.': the label says where the name ends, so "F.C.." after "F.C." is one)
    return rest == "" or rest[0] == QUOTE or (rest[0] == "." and (len(rest) == 1 or rest[1].isspace()
                                                                   or rest[1] in (QUOTE, ".")))
