"""Query AST -> plan: which statements of sql/query_*.sql to run, and their bound parameters
(values never enter the SQL text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kgedit import db
from kgedit.bayes.edits import DEFAULT_TARGET, check_target, check_weight
from kgedit.errors import KgeditError
from kgedit.query.parser import Atom, Belief, BinOp, Formula, Not, Query, QueryError
from kgedit.query.resolve import Relation, Resolver

Statement = tuple[str, dict[str, Any]]


@dataclass
class Plan:
    kind: str                                # 'distribution' | 'conditional' | 'formula'
    statements: list[Statement]
    title: str
    formula: Formula | None = None
    atoms: list[tuple[str, str, str]] = field(default_factory=list)   # (subject_id, relation_id, object_id)
    blocks: list[tuple[str, Relation, Relation]] = field(default_factory=list)  # same-subject U/D pairs


def plan(query: Query, resolver: Resolver, *, top: int = 10) -> Plan:
    if isinstance(query, Belief):
        return _belief_plan(query, resolver, top)
    return _formula_plan(query, resolver)


def _belief_plan(q: Belief, res: Resolver, top: int) -> Plan:
    relation = res.relation(q.relation)
    obj = res.object(q.object, relation) if q.object else None
    if q.subject is None:
        return _conditional_plan(q, res, relation, obj, top)
    subject = res.subject(q.subject)
    params: dict[str, Any] = {"subject": subject, "relation": relation.relation_id, "object": obj,
                              "edit_relation": None, "edit_object": None, "weight": None,
                              "target": DEFAULT_TARGET, "top": top}
    title = f"p({relation.name} | subject={q.subject.text})"
    if q.given:
        if len(q.given) > 1:
            raise QueryError("One edit at a time: give one relation=value after the subject",
                             res.text, q.given[1][0].column)
        edit_rel, edit_val = q.given[0]
        if q.weight is None:
            raise QueryError(f"{edit_rel.text}={edit_val.text} needs an edit weight", res.text, edit_val.column,
                             "Add @ n=1000 (weight n) or @ p=0.95 (smallest weight n' reaching 0.95).")
        edit_relation = res.relation(edit_rel)
        params["edit_relation"] = edit_relation.relation_id
        params["edit_object"] = res.object(edit_val, edit_relation)
        try:
            if q.weight.kind == "n":
                params["weight"] = check_weight(q.weight.value)
            else:
                params["target"] = check_target(q.weight.value)
        except QueryError:
            raise
        except KgeditError as exc:  # from the checks: point at the weight, keep their hint
            raise QueryError(exc.message.rstrip("."), res.text, q.weight.column, exc.hint) from None
        title += f" after edit {edit_rel.text}={edit_val.text} @ {q.weight.kind}={q.weight.value:g}"
    elif q.weight is not None:
        raise QueryError("An edit weight needs an edit relation=value before it", res.text, q.weight.column)
    return Plan("distribution", [(db.load_sql("query_distribution"), params)], title)


def _conditional_plan(q: Belief, res: Resolver, relation: Relation, obj: str | None, top: int) -> Plan:
    if len(q.given) != 1 or q.weight is not None:
        col = q.weight.column if q.weight else q.relation.column
        raise QueryError("A query without subject= is a population conditional P(D | U=value)", res.text, col,
                         'Give a subject for beliefs and edits: P(place_of_birth | subject="Alan Cottrell")')
    given_rel, value = q.given[0]
    upstream = res.relation(given_rel)
    if relation.role != "downstream" or upstream.relation_id != relation.partner_id:
        partner = res.by_id(relation.partner_id)
        hint = (f"{relation.name} is conditioned on its upstream relation: P({relation.name} | {partner.name}=...)"
                if relation.role == "downstream" else
                f"{relation.name} is upstream; its downstream relation is {partner.name}: "
                f"P({partner.name} | {relation.name}=...)")
        raise QueryError(f"{given_rel.text} is not the upstream relation of {relation.name}", res.text,
                         given_rel.column, hint)
    params = {"pair_id": relation.pair_id, "upstream_values": [res.object(value, upstream)],
              "objects": None if obj is None else [obj], "top": top}
    return Plan("conditional", [(db.load_sql("query_conditional"), params)],
                f"p({relation.name} | {upstream.name}={value.text}) (population conditional)")


def _formula_plan(formula: Formula, res: Resolver) -> Plan:
    atoms = [res.fact(a.text) for a in _atoms(formula)]
    facts = [(s, r.relation_id, o) for s, r, o in atoms]
    subjects, relations, objects = (list(x) for x in zip(*facts))
    statements: list[Statement] = [(db.load_sql("query_atoms"),
                                    {"subjects": subjects, "relations": relations, "objects": objects})]
    blocks = []
    for s, r, _ in atoms:   # same subject with both U and D of a pair: exact joint, needs p(d | D, u)
        if r.role == "downstream" and any(s2 == s and r2.relation_id == r.partner_id for s2, r2, _ in atoms) \
                and (s, res.by_id(r.partner_id), r) not in blocks:
            up = res.by_id(r.partner_id)
            blocks.append((s, up, r))
            us = sorted({o for s2, r2, o in atoms if s2 == s and r2 == up})
            ds = sorted({o for s2, r2, o in atoms if s2 == s and r2 == r})
            statements.append((db.load_sql("bayes_conditional_grid"),
                               {"pair_id": r.pair_id, "upstream_values": us, "objects": ds}))
    return Plan("formula", statements, "probability of a logical formula", formula, facts, blocks)


def _atoms(f: Formula) -> list[Atom]:
    if isinstance(f, Atom):
        return [f]
    if isinstance(f, Not):
        return _atoms(f.operand)
    assert isinstance(f, BinOp)
    return _atoms(f.left) + _atoms(f.right)
