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

    def subject(self, name: Name) -> str:
        """The id of `name` as a subject: an entity with facts of its own in this world.

        Any other entity (an object such as a university) has no evidence, so its beliefs would only
        be the uniform prior: asking about it is almost surely a mistake, and is said to be one.
        """
        subject_id = self._subject_id(name.text)
        if subject_id is not None:
            return subject_id
        known = self.con.execute("SELECT count(*) FROM entities WHERE name = ?", [name.text]).fetchall()[0][0]
        message = (f"{name.text!r} is not a subject of this world (it has no facts of its own)" if known
                   else f"Unknown subject {name.text!r}")
        raise QueryError(message, self.text, name.column, self.suggest(name.text, subjects=True))

    def _subject_id(self, text: str) -> str | None:
        rows = self.con.execute(db.load_sql("query_subject_id"), {"name": text}).fetchall()
        return rows[0][0] if rows else None

    def object(self, name: Name, relation: Relation) -> str:
        """The id of `name` as a value of `relation`: one of the objects the world's facts give it.

        Any other entity (a subject's name, an object of another relation) is outside what the corpus
        can assert for the relation, and would leave the answer's probabilities summing to less than 1.
        """
        object_id = self._object_id(name.text, relation)
        if object_id is not None:
            return object_id
        known = self.con.execute("SELECT count(*) FROM entities WHERE name = ?", [name.text]).fetchall()[0][0]
        message = (f"{name.text!r} is not an object of {relation.name}" if known
                   else f"Unknown object {name.text!r} of {relation.name}")
        raise QueryError(message, self.text, name.column, self.suggest(name.text, relation))

    def _object_id(self, text: str, relation: Relation) -> str | None:
        rows = self.con.execute(db.load_sql("query_object_id"),
                                {"name": text, "relation_id": relation.relation_id}).fetchall()
        return rows[0][0] if rows else None

    def suggest(self, text: str, relation: Relation | None = None, *, subjects: bool = False) -> str:
        """'Did you mean' among all entities, among the objects of `relation` when given, or among the
        subjects."""
        # Prefilter in SQL (names sharing a word or a prefix) so a paper-scale world stays quick.
        words = [w for w in text.lower().split() if len(w) >= 3] or [text.lower()[:3]]
        rows = self.con.execute(db.load_sql("query_suggest"), {
            "words": words, "prefix": text.lower()[:2], "text": text.lower(),
            "relation": relation.relation_id if relation else None, "subjects": subjects and relation is None,
        }).fetchall()
        close = difflib.get_close_matches(text, [r[0] for r in rows], n=3, cutoff=0.5)
        if close:
            return "Did you mean: " + ", ".join(repr(c) for c in close) + "?"
        some = [] if relation is None else self.con.execute(
            db.load_sql("query_relation_objects"), {"relation_id": relation.relation_id}).fetchall()
        if some:
            listed = ", ".join(repr(r[0]) for r in some[:5]) + (", …" if len(some) > 5 else "")
            return f"Objects of {relation.name} include {listed}."
        return "List names with: kgedit sql \"SELECT name FROM entities WHERE name ILIKE '%…%'\""

    def fact(self, atom: Name) -> tuple[str, Relation, str]:
        """'Arthur Green occupation architect' -> (subject id, relation, object id), split at a relation."""
        found, misfit = [], None
        for r in self.relations:
            for form in dict.fromkeys((r.label, r.name)):     # ordered: the same error every run
                key = f" {form} "
                start = atom.text.find(key)
                while start > 0:
                    subj, obj = atom.text[:start], atom.text[start + len(key):]
                    subject_id = self._subject_id(subj)
                    object_id = self._object_id(obj, r) if subject_id else None
                    if object_id is not None:
                        found.append((subject_id, r, object_id))
                    elif subject_id and misfit is None:
                        misfit = (obj, r)
                    start = atom.text.find(key, start + 1)
        if len(found) == 1:
            return found[0]
        if found:
            raise QueryError(f"Ambiguous fact {atom.text!r}: it splits into subject/relation/object in "
                             f"{len(found)} ways", self.text, atom.column, "Rename, or query with P(relation=... | subject=...).")
        if misfit is not None:
            obj, r = misfit
            raise QueryError(f"In {atom.text!r}, {obj!r} is not an object of {r.name}", self.text, atom.column,
                             self.suggest(obj, r))
        raise QueryError(f"Cannot read {atom.text!r} as \"subject relation object\" with names of this world",
                         self.text, atom.column, "Relations: " + ", ".join(r.label for r in self.relations))
