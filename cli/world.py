"""`kgedit world build` and `kgedit world info`: make a world database and describe it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, new_app, out

world_app = new_app("Build a world (knowledge graph) from Wikidata5m files or the synthetic source; describe it.")


@world_app.command("build")
def build_command(
    db_path: Path = DbOption,
    source: str = typer.Option("synthetic", "--source", help="synthetic (offline default) or wikidata5m."),
    subjects: int = typer.Option(1000, "--subjects", help="synthetic: number of subjects (about 2.5 facts each)."),
    seed: int = typer.Option(0, "--seed", help="synthetic: generator seed."),
    triples: Optional[Path] = typer.Option(None, "--triples", help="wikidata5m: triples file (plain or .gz)."),
    entities: Optional[Path] = typer.Option(None, "--entities", help="wikidata5m: entity alias file."),
    relations_file: Optional[Path] = typer.Option(None, "--relations-file", help="wikidata5m: relation alias file."),
    read_n_facts: int = typer.Option(2_000_000, "--read-n-facts", help="wikidata5m: read the first N triple lines."),
    n_relations: int = typer.Option(10, "--n-relations", help="wikidata5m: relations to choose greedily (even)."),
    relations: Optional[str] = typer.Option(None, "--relations",
                                            help="wikidata5m: name the relations instead, e.g. P69,P106 or 'paper'."),
    direction: str = typer.Option("paper", "--direction",
                                  help="Pair direction: paper (Table 2, else file order) or file_order."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --db."),
) -> None:
    """Build a world database (all or nothing). Default: the synthetic world with 1000 subjects."""
    from kgedit.world import build as world_build
    from kgedit.world.choice import parse_relation_list
    from kgedit.world.wikidata import WikidataSource

    world_build.check_source(source)
    if source == "synthetic":
        wikidata_only = [name for name, value in (("--triples", triples), ("--entities", entities),
                                                  ("--relations-file", relations_file), ("--relations", relations))
                         if value is not None]
        if wikidata_only:
            raise KgeditError(f"{', '.join(wikidata_only)} only apply to --source wikidata5m.",
                              "Add --source wikidata5m, or drop those options for the synthetic world.")
        config = world_build.SyntheticSource(subjects=subjects, seed=seed)
    else:
        missing = [name for name, value in (("--triples", triples), ("--entities", entities),
                                            ("--relations-file", relations_file)) if value is None]
        if missing:
            raise KgeditError(f"--source wikidata5m needs {', '.join(missing)}.",
                              "e.g. --triples triples.tsv --entities entities.tsv --relations-file relations.tsv")
        config = WikidataSource(triples=triples, entities=entities, relations=relations_file,
                                read_n_facts=read_n_facts, n_relations=n_relations, direction=direction,
                                relation_ids=parse_relation_list(relations) if relations is not None else None)
    config.check()  # every number before any work
    counts = _with_progress(lambda progress: world_build.build_world(db_path, config, overwrite=overwrite,
                                                                     progress=progress))
    rows = [(key, value) for key, value in counts.items()]
    out(render_rows(["count", "value"], rows, "table", title=f"World written to {db_path}"))


def _with_progress(work):
    """A spinner on stderr naming the current step (the library reports steps through a callback)."""
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("building the world") as status:
        return work(lambda step: status.update(step))


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
        import json

        out(json.dumps({"relations": relations, "summary": summary}, ensure_ascii=False, indent=2, default=str))
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
