"""`kgedit world build` and `kgedit world info`: make a world database and describe it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgedit import db
from kgedit.report.render import render_rows, to_json
from kgedit.world.build import WorldOptions

from .common import DbOption, OutputFormat, new_app, option, out, warn
from .progress import progress_display

world_app = new_app("Build a world (knowledge graph) from Wikidata5m files or the synthetic source; describe it.")


@world_app.command("build")
def build_command(
    db_path: Path = DbOption,
    source: str = option(WorldOptions, "source"),
    subjects: Optional[int] = option(WorldOptions, "subjects"),
    seed: int = option(WorldOptions, "seed"),
    # readable=False: click's own check would end a bad path with a usage error (exit 2); the importer
    # says what is wrong with the file (Error:/Hint:, exit 1).
    triples: Optional[Path] = option(WorldOptions, "triples", readable=False),
    entities: Optional[Path] = option(WorldOptions, "entities", readable=False),
    relations_file: Optional[Path] = option(WorldOptions, "relations_file", readable=False),
    read_n_facts: int = option(WorldOptions, "read_n_facts"),
    n_relations: Optional[int] = option(WorldOptions, "n_relations"),
    relations: Optional[str] = option(WorldOptions, "relations"),
    direction: str = option(WorldOptions, "direction"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --db."),
) -> None:
    """Build a world database (all or nothing). Default: the bundled real Wikidata slice, all subjects, with the
    paper's ten relations."""
    from kgedit.world import build as world_build

    config = world_build.source_config(WorldOptions(source=source, subjects=subjects, seed=seed, triples=triples,
                                                    entities=entities, relations_file=relations_file,
                                                    read_n_facts=read_n_facts, n_relations=n_relations,
                                                    relations=relations, direction=direction))
    config.check()  # every number before any work
    with progress_display() as progress:
        counts = world_build.build_world(db_path, config, overwrite=overwrite, progress=progress)
    for key, what, path in (("duplicate_entity_ids", "entity", entities),
                            ("duplicate_relation_ids", "relation", relations_file)):
        if counts.get(key):
            warn(f"{counts[key]} {what} id(s) appear on more than one line of {path}; the first line of each was "
                 "used, the others ignored.")
    rows = [(key, value) for key, value in counts.items()]
    out(render_rows(["count", "value"], rows, "table", title=f"World written to {db_path}"))


@world_app.command("info")
def info_command(
    db_path: Path = DbOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """Relations with their pairs and fact counts, and how the world was built."""
    from kgedit.world.info import world_info

    con = db.connect(db_path, read_only=True)
    try:
        info = world_info(con)
    finally:
        con.close()
    relations, summary = info["relations"], info["summary"]
    columns = list(relations[0]) if relations else []
    if fmt == OutputFormat.json:
        out(to_json({"relations": relations, "summary": summary}))
        return
    summary_rows = [(k, v if not isinstance(v, dict) else _compact(v)) for k, v in summary.items()]
    if fmt == OutputFormat.csv:
        # Two CSV blocks separated by a blank line: relations, then key,value.
        out(render_rows(columns, [tuple(r.values()) for r in relations], "csv") + "\n\n"
            + render_rows(["key", "value"], summary_rows, "csv"))
        return
    shown = ["pair_id", "relation_id", "label", "role", "partner_id", "n_facts", "n_with_upstream"]
    out(render_rows(shown, [tuple(r[c] for c in shown) for r in relations], "table", title="Relations"))
    out(render_rows(["key", "value"], summary_rows, "table", title="World", width=160))


def _compact(value: dict) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)
