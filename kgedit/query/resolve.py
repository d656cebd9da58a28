"""Names in a query -> ids in the world, with "did you mean" suggestions (values are bound, never spliced)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from kgedit import db
from kgedit.query.parser import Name, QueryError


@dataclass(frozen=True)
class Relation:
    relation_id: str
    name: str
    label: str
    role: str
    partner_id: str
    pair_id: int


class Resolver:
    """Looks names up in one open world database; keeps the relation table (≤ a few dozen rows)."""

    def __init__(self, con: db.Connection, text: str) -> None:
        self.con = con
        self.text = text
        rows = con.execute("SELECT relation_id, name, label, role, partner_id, pair_id FROM relations "
                           "ORDER BY relation_id").fetchall()
        self.relations = [Relation(*r) for r in rows]

    def relation(self, name: Name) -> Relation:
        for r in self.relations:
            if name.text in (r.name, r.label) or name.text.lower() in (r.name, r.label.lower()):
                return r
        choices = [r.name for r in self.relations]
        close = difflib.get_close_matches(name.text.lower().replace(" ", "_"), choices, n=3, cutoff=0.5)
        hint = ("Did you mean: " + ", ".join(close) + "?") if close else "Relations: " + ", ".join(choices)
        raise QueryError(f"Unknown relation {name.text!r}", self.text, name.column, hint)

    def by_id(self, relation_id: str) -> Relation:
        return next(r for r in self.relations if r.relation_id == relation_id)

    def entity(self, name: Name, what: str = "entity") -> str:
        rows = self.con.execute("SELECT entity_id FROM entities WHERE name = ?", [name.text]).fetchall()
        if rows:
            return rows[0][0]
        raise QueryError(f"Unknown {what} {name.text!r}", self.text, name.column, self.suggest(name.text))

    def suggest(self, text: str) -> str:
        # Prefilter in SQL (names sharing a word or a prefix) so a paper-scale world stays quick.
        words = [w for w in text.lower().split() if len(w) >= 3] or [text.lower()[:3]]
        rows = self.con.execute(
            "SELECT name FROM entities WHERE list_has_any(string_split(lower(name), ' '), ?) "
            "OR starts_with(lower(name), ?) OR jaro_winkler_similarity(lower(name), ?) > 0.8 ORDER BY name LIMIT 5000",
            [words, text.lower()[:2], text.lower()]).fetchall()
        close = difflib.get_close_matches(text, [r[0] for r in rows], n=3, cutoff=0.5)
        return ("Did you mean: " + ", ".join(repr(c) for c in close) + "?") if close else \
            "List names with: kgedit sql \"SELECT name FROM entities WHERE name ILIKE '%…%'\""

    def fact(self, atom: Name) -> tuple[str, Relation, str]:
        """'Arthur Green occupation architect' -> (subject id, relation, object id), split at a relation."""
        found = []
        for r in self.relations:
            for form in {r.label, r.name}:
                key = f" {form} "
                start = atom.text.find(key)
                while start > 0:
                    subj, obj = atom.text[:start], atom.text[start + len(key):]
                    ids = self.con.execute("SELECT (SELECT entity_id FROM entities WHERE name = ?), "
                                           "(SELECT entity_id FROM entities WHERE name = ?)", [subj, obj]).fetchall()[0]
                    if ids[0] is not None and ids[1] is not None:
                        found.append((ids[0], r, ids[1]))
                    start = atom.text.find(key, start + 1)
        if len(found) == 1:
            return found[0]
        if found:
            raise QueryError(f"Ambiguous fact {atom.text!r}: it splits into subject/relation/object in "
                             f"{len(found)} ways", self.text, atom.column, "Rename, or query with P(relation=... | subject=...).")
        raise QueryError(f"Cannot read {atom.text!r} as \"subject relation object\" with names of this world",
                         self.text, atom.column, "Relations: " + ", ".join(r.label for r in self.relations))
