"""The network view (SPEC §4): one pgmpy DiscreteBayesianNetwork per subject, U -> D per relation pair.

The ONLY module that imports pgmpy (inside functions). State spaces are restricted honestly and
exactly: U's states are the objects the subject's upstream evidence names plus one aggregated
"other" state (every unnamed u has the same belief b, so P(U=other) = (K-|S|) b and
p(D | U=other) is the plain average of p(D | u) over those u — computed from the column sums);
D's states are the objects the subject's downstream evidence or the named conditionals mention plus
"other". Every named state's probability equals the full-K model's exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgedit import db
from kgedit.errors import KgeditError

OTHER = "other"


@dataclass(frozen=True)
class Node:
    name: str                      # relation name, e.g. occupation
    states: list[str]              # object ids, then OTHER
    values: np.ndarray             # CPD, shape (len(states), parent cardinality or 1)
    parent: str | None = None


def subject_nodes(con: db.Connection, subject_id: str) -> list[Node]:
    """CPDs of the subject's network from the fitted tables (one or two nodes per relation pair)."""
    (k,) = con.execute("SELECT n_objects FROM bayes_info").fetchall()[0]
    pairs = con.execute(db.load_sql("bayes_network_pairs")).fetchall()
    nodes: list[Node] = []
    for pair_id, up_id, up_name, down_id, down_name in pairs:
        rows = con.execute(db.load_sql("bayes_subject_network"),
                           {"subject_id": subject_id, "pair_id": pair_id}).fetchall()
        listed = {r: [(o, p) for rel, o, p in rows if rel == r and o is not None] for r in (up_id, down_id)}
        unlisted = {rel: p for rel, o, p in rows if o is None}
        if up_id in unlisted:
            nodes += _pair_nodes(con, k, pair_id, (up_name, listed[up_id], unlisted[up_id]),
                                 (down_name, [o for o, _ in listed[down_id]]))
        elif down_id in unlisted:
            nodes.append(_direct_node(down_name, listed[down_id], unlisted[down_id], k))
    return nodes


def _direct_node(name: str, listed: list[tuple[str, float]], unlisted: float, k: int) -> Node:
    states = [o for o, _ in listed] + [OTHER]
    probs = [p for _, p in listed] + [(k - len(listed)) * unlisted]
    return Node(name, states, np.array(probs)[:, None])


def _pair_nodes(con: db.Connection, k: int, pair_id: int, upstream: tuple[str, list, float],
                downstream: tuple[str, list[str]]) -> list[Node]:
    up_name, up_listed, b = upstream
    down_name, down_listed = downstream
    u_values = [u for u, _ in up_listed]
    grid = con.execute(db.load_sql("bayes_conditional_grid"),
                       {"pair_id": pair_id, "upstream_values": u_values, "objects": None}).fetchall()
    cond: dict[tuple[str, str], float] = {(u, o): p for u, o, p, _, _ in grid}
    column_sum = {o: cs for _, o, _, cs, _ in grid}
    d_states = sorted(set(down_listed) | {o for u, o, _, _, data in grid if data})
    up_node = _direct_node(up_name, up_listed, b, k)
    columns = []
    for u in u_values:                      # p(D | U=u), named states then the rest
        col = [cond[(u, o)] for o in d_states]
        columns.append(col + [1.0 - sum(col)])
    if k > len(u_values):                   # p(D | U=other): average over the K-|S| unnamed values
        col = [(column_sum[o] - sum(cond[(u, o)] for u in u_values)) / (k - len(u_values)) for o in d_states]
        columns.append(col + [1.0 - sum(col)])
    else:
        up_node = Node(up_node.name, up_node.states[:-1], up_node.values[:-1])
    values = np.clip(np.array(columns).T, 0.0, None)   # rounding below 0 on a remainder only
    return [up_node, Node(down_name, d_states + [OTHER], values / values.sum(axis=0), parent=up_name)]


def to_pgmpy(nodes: list[Node], labels: dict[str, str] | None = None):
    """A pgmpy DiscreteBayesianNetwork; state names are object names (sanitised for BIF/XDSL) via labels."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork()
    model.add_nodes_from([n.name for n in nodes])
    model.add_edges_from([(n.parent, n.name) for n in nodes if n.parent])
    names = {n.name: _state_names(n.states, labels or {}) for n in nodes}
    cpds = []
    for n in nodes:
        if n.parent is None:
            cpds.append(TabularCPD(n.name, len(n.states), n.values, state_names={n.name: names[n.name]}))
        else:
            parent = next(p for p in nodes if p.name == n.parent)
            cpds.append(TabularCPD(n.name, len(n.states), n.values, evidence=[n.parent],
                                   evidence_card=[len(parent.states)],
                                   state_names={n.name: names[n.name], n.parent: names[n.parent]}))
    model.add_cpds(*cpds)
    model.check_model()
    return model


def _state_names(states: list[str], labels: dict[str, str]) -> list[str]:
    """Identifier-safe, unique state names (GeNIe and BIF readers reject spaces and punctuation)."""
    seen: set[str] = set()
    out = []
    for s in states:
        base = re.sub(r"\W+", "_", labels.get(s, s)).strip("_") or "state"
        base = base if base[0].isalpha() else "s_" + base
        name, i = base, 2
        while name in seen:
            name, i = f"{base}_{i}", i + 1
        seen.add(name)
        out.append(name)
    return out


def marginals(nodes: list[Node]) -> dict[str, dict[str, float]]:
    """pgmpy VariableElimination marginal of every node, keyed by node then state (object id / OTHER)."""
    from pgmpy.inference import VariableElimination

    model = to_pgmpy(nodes)
    infer = VariableElimination(model)
    result = {}
    for n in nodes:
        factor = infer.query([n.name], show_progress=False)
        names = _state_names(n.states, {})
        result[n.name] = {s: float(factor.get_value(**{n.name: nm})) for s, nm in zip(n.states, names)}
    return result


def export(con: db.Connection, subject_name: str, fmt: str, path: Path) -> int:
    """Write the subject's network as XDSL (GeNIe) or BIF; returns the number of nodes."""
    rows = con.execute("SELECT entity_id FROM entities WHERE name = ?", [subject_name]).fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise KgeditError(f"Unknown subject {subject_name!r}.", "List subjects with: kgedit sql \"SELECT name FROM entities\"")
    nodes = subject_nodes(con, row[0])
    if not nodes:
        raise KgeditError(f"{subject_name!r} has no evidence, so its network is empty.", "Pick a training subject.")
    ids = sorted({s for n in nodes for s in n.states if s != OTHER})
    labels = dict(con.execute("SELECT entity_id, name FROM entities WHERE list_contains(?, entity_id)", [ids]).fetchall())
    model = to_pgmpy(nodes, labels)
    from pgmpy.readwrite import BIFWriter, XDSLWriter

    if fmt == "bif":
        BIFWriter(model).write(str(path))
    elif fmt == "xdsl":
        XDSLWriter(model, network_id=re.sub(r"\W+", "_", subject_name) or "subject").write(str(path))
    else:
        raise KgeditError(f"Unknown network format {fmt!r}.", "Use xdsl or bif.")
    return len(nodes)
