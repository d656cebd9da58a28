"""Run a plan and shape the answer: (columns, rows, title). Formulas are evaluated exactly by enumerating
the joint of the variables they mention (independent across subjects; U and D of one subject jointly)."""

from __future__ import annotations

import itertools
from typing import Any

from kgedit import checks, db
from kgedit.bayes.fit import require_fitted
from kgedit.query.parser import Atom, BinOp, Formula, Not, parse
from kgedit.query.plan import Plan, plan
from kgedit.query.resolve import Resolver

MAX_TOP = 1_000_000   # rows; more than any world's K, small enough to bind as a LIMIT
OTHER = None  # the state "any object the formula does not mention" (formulas are bounded in the parser)


def run_query(con: db.Connection, text: str, *, top: int = 10, db_label: str = "world.duckdb"
              ) -> tuple[Plan, list[str], list[tuple[Any, ...]]]:
    """Parse, plan and answer one query against a fitted world database."""
    checks.integer("--top", top, low=1, high=MAX_TOP)
    query = parse(text)
    require_fitted(con, db_label)
    p = plan(query, Resolver(con, text), top=top)
    if p.kind == "formula":
        return p, *_formula_answer(con, p)
    sql, params = p.statements[0]
    columns, rows = db.fetch(con, sql, params)
    if p.kind == "distribution" and params["edit_relation"] is None:
        keep = [columns.index(c) for c in ("object", "probability", "belief")]
        columns, rows = [columns[i] for i in keep], [tuple(r[i] for i in keep) for r in rows]
    return p, columns, rows


def _formula_answer(con: db.Connection, p: Plan) -> tuple[list[str], list[tuple[Any, ...]]]:
    sql, params = p.statements[0]
    probes = con.execute(sql, params).fetchall()                       # (probe_id, belief, probability)
    belief = {p.atoms[i]: (kind, prob) for i, kind, prob in probes}
    variables: dict[tuple[str, str], list[str]] = {}
    for s, r, o in p.atoms:
        variables.setdefault((s, r), [])
        if o not in variables[(s, r)]:
            variables[(s, r)].append(o)
    factors: list[tuple[list[tuple[str, str]], list[tuple[tuple, float]]]] = []
    done: set[tuple[str, str]] = set()
    for (s, up, down), (gsql, gparams) in zip(p.blocks, p.statements[1:]):
        d_var, u_var = (s, down.relation_id), (s, up.relation_id)
        if belief[(s, down.relation_id, variables[d_var][0])][0] != "marginal":
            continue       # no upstream evidence: the D belief is direct, independent of U
        cond = {(u, o): pr for u, o, pr, _, _ in con.execute(gsql, gparams).fetchall()}
        q = {u: belief[(s, up.relation_id, u)][1] for u in variables[u_var]}
        m = {d: belief[(s, down.relation_id, d)][1] for d in variables[d_var]}
        joint = {(u, d): q[u] * cond[(u, d)] for u in q for d in m}
        for u in q:
            joint[(u, OTHER)] = q[u] - sum(joint[(u, d)] for d in m)
        for d in m:
            joint[(OTHER, d)] = m[d] - sum(joint[(u, d)] for u in q)
        joint[(OTHER, OTHER)] = 1.0 - sum(joint.values())
        factors.append(([u_var, d_var], list(joint.items())))
        done |= {u_var, d_var}
    for var, objs in variables.items():
        if var not in done:
            probs = [((o,), belief[(*var, o)][1]) for o in objs]
            factors.append(([var], probs + [((OTHER,), 1.0 - sum(pr for _, pr in probs))]))
    total = 0.0
    for combo in itertools.product(*(states for _, states in factors)):
        assignment, weight = {}, 1.0
        for (names, _), (values, pr) in zip(factors, combo):
            assignment.update(zip(names, values))
            weight *= pr
        if _holds(p.formula, assignment, iter(p.atoms)):
            total += weight
    rows = [(f'"{_atom_text(a)}"', belief[fact][1]) for a, fact in zip(_atom_nodes(p.formula), p.atoms)]
    rows.append((_render(p.formula), total))
    return ["expression", "probability"], rows


def _holds(f: Formula, assignment: dict, atoms) -> bool:
    """Evaluate with atoms consumed in the same left-to-right order the plan resolved them."""
    if isinstance(f, Atom):
        s, r, o = next(atoms)
        return assignment[(s, r)] == o
    if isinstance(f, Not):
        return not _holds(f.operand, assignment, atoms)
    left = _holds(f.left, assignment, atoms)
    right = _holds(f.right, assignment, atoms)      # always evaluated: keeps the atom order aligned
    return (left and right) if f.op == "and" else (left or right)


def _atom_nodes(f: Formula) -> list[Atom]:
    if isinstance(f, Atom):
        return [f]
    if isinstance(f, Not):
        return _atom_nodes(f.operand)
    return _atom_nodes(f.left) + _atom_nodes(f.right)


def _atom_text(a: Atom) -> str:
    return a.text.text


def _render(f: Formula) -> str:
    if isinstance(f, Atom):
        return f'"{f.text.text}"'
    if isinstance(f, Not):
        return f"not {_render(f.operand)}"
    assert isinstance(f, BinOp)
    return f"({_render(f.left)} {f.op} {_render(f.right)})"


def explain(p: Plan) -> str:
    """The SQL statements of a plan and their bound parameters."""
    parts = []
    for i, (sql, params) in enumerate(p.statements, 1):
        shown = ", ".join(f"${k} = {v!r}" for k, v in params.items())
        parts.append(f"-- statement {i} of {len(p.statements)}; parameters: {shown}\n{sql.strip()}")
    return "\n\n".join(parts)
