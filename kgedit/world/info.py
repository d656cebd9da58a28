"""What a world holds: relations with their pairs and counts, and how it was built (`kgedit world info`)."""

from __future__ import annotations

import json
from typing import Any

from kgedit import db

WORLD_TABLES = ("entities", "relations", "relation_pairs", "facts", "objects", "relation_cooccurrence", "build_info")


def world_info(con: db.Connection) -> dict[str, Any]:
    """{'relations': [row dicts from sql/world_info.sql], 'summary': {build_info column: value}}."""
    db.require_tables(con, WORLD_TABLES, "world", "kgedit world build --db <this file>")
    columns, rows = db.fetch(con, db.load_sql("world_info"))
    relations = [dict(zip(columns, row)) for row in rows]
    columns, rows = db.fetch(con, "SELECT * FROM build_info")
    summary = dict(zip(columns, rows[0])) if rows else {}
    if isinstance(summary.get("parameters"), str):
        summary["parameters"] = json.loads(summary["parameters"])
    n_down = con.execute("""SELECT count(*) FROM facts f JOIN relations r ON r.relation_id = f.relation_id
                            JOIN facts u ON u.subject_id = f.subject_id AND u.relation_id = r.partner_id
                            WHERE r.role = 'downstream'""").fetchone()[0]
    summary["n_downstream_with_upstream"] = n_down
    return {"relations": relations, "summary": summary}
