"""Writing the world tables both sources share: relations, relation pairs, objects, build_info.

The importer and the synthetic generator each fill facts and entities their own way; the rest of
the world schema (sql/world.sql) is derived here, the same way for both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kgedit import __version__, db
from kgedit.errors import KgeditError
from kgedit.world.choice import Cooccurrence
from kgedit.world.naming import relation_name
from kgedit.world.pairing import RelationPair


def read_cooccurrence(con: db.Connection) -> dict[tuple[str, str], int]:
    """relation_cooccurrence as {(a, b): n}."""
    rows = con.execute("SELECT relation_a, relation_b, n_subjects FROM relation_cooccurrence").fetchall()
    return {(a, b): int(n) for a, b, n in rows}


def write_relations(con: db.Connection, chosen: Sequence[str], labels: Mapping[str, str],
                    pairs: Sequence[RelationPair]) -> None:
    """relations and relation_pairs; pair_id = position in `pairs`, choice_rank = position in `chosen`."""
    names: dict[str, str] = {}
    for rid in chosen:
        name = relation_name(labels[rid])
        clash = [other for other, n in names.items() if n == name]
        if clash or not name:
            raise KgeditError(f"Relations {clash[0] if clash else rid} and {rid} have the same label "
                              f"({labels[rid]!r}); relation labels must be distinct in a world.",
                              "Name other relations with --relations.")
        names[rid] = name
    rank = {r: i for i, r in enumerate(chosen)}
    for pair_id, p in enumerate(pairs):
        con.execute("INSERT INTO relation_pairs VALUES (?, ?, ?, ?, ?)",
                    [pair_id, p.upstream_id, p.downstream_id, p.weight, p.direction_rule])
        for rid, role, partner in ((p.upstream_id, "upstream", p.downstream_id),
                                   (p.downstream_id, "downstream", p.upstream_id)):
            con.execute("INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [rid, labels[rid], names[rid], role, partner, pair_id, rank[rid]])


def chosen_cooccurrence(cooccurrence: Cooccurrence, chosen: Sequence[str]) -> dict[tuple[str, str], int]:
    keep = set(chosen)
    return {k: n for k, n in cooccurrence.items() if k[0] in keep and k[1] in keep}


def write_build_info(con: db.Connection, *, source: str, parameters: Mapping[str, Any], n_triples_read: int,
                     n_triples_kept: int, duplicates_dropped: int, seed: int | None,
                     duplicate_ids: tuple[int, int] = (0, 0)) -> dict[str, int]:
    """objects (from facts) and the one build_info row; returns the counts written.

    `duplicate_ids`: (entity, relation) ids found on more than one line of their alias file.
    """
    db.execute_script(con, "world_objects")
    counts = dict(zip(
        ("n_entities", "n_subjects", "n_objects", "n_relations", "n_facts"),
        con.execute(db.load_sql("world_counts")).fetchone()))
    con.execute("INSERT INTO build_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [source, json.dumps(dict(parameters), sort_keys=True), n_triples_read, n_triples_kept,
                 counts["n_entities"], counts["n_subjects"], counts["n_objects"], counts["n_relations"],
                 counts["n_facts"], duplicates_dropped, __version__, seed, *duplicate_ids])
    return {**counts, "n_triples_read": n_triples_read, "n_triples_kept": n_triples_kept,
            "duplicates_dropped": duplicates_dropped, "duplicate_entity_ids": duplicate_ids[0],
            "duplicate_relation_ids": duplicate_ids[1]}
