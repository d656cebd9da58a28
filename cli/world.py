"""`kgedit world build` and `kgedit world info`: make a world database and describe it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.report.render import render_rows, to_json

from .common import DbOption, OutputFormat, new_app, out, warn

world_app = new_app("Build a world (knowledge graph) from Wikidata5m files or the synthetic source; describe it.")


@world_app.command("build")
def build_command(
    db_path: Path = DbOption,
    source: str = typer.Option("wikidata", "--source",
                               help="wikidata (real Wikidata: the slice bundled with kgedit), wikidata5m (your own "
                                    "files) or synthetic (a generated world for tests and demos)."),
    subjects: Optional[int] = typer.Option(None, "--subjects",
                                           help="Keep a seeded sample of N subjects (wikidata, wikidata5m: default "
                                                "all; synthetic: default 1000, about 2.5 facts each)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the subject sample or the synthetic generator."),
    # readable=False: click's own check would end a bad path with a usage error (exit 2); the importer
    # says what is wrong with the file (Error:/Hint:, exit 1).
    triples: Optional[Path] = typer.Option(None, "--triples", readable=False,
                                           help="wikidata5m: triples file (plain or .gz)."),
    entities: Optional[Path] = typer.Option(None, "--entities", readable=False, help="wikidata5m: entity alias file."),
    relations_file: Optional[Path] = typer.Option(None, "--relations-file", readable=False,
                                                  help="wikidata5m: relation alias file."),
    read_n_facts: int = typer.Option(2_000_000, "--read-n-facts", help="wikidata5m: read the first N triple lines."),
    n_relations: Optional[int] = typer.Option(None, "--n-relations",
                                              help="With --relations greedy: how many relations to choose (even; "
                                                   "default 10)."),
    relations: Optional[str] = typer.Option(None, "--relations",
                                            help="wikidata, wikidata5m: paper (the paper's ten; default for "
                                                 "wikidata), greedy (chosen by co-occurrence; default for "
                                                 "wikidata5m) or relation ids, e.g. P69,P106."),
    direction: str = typer.Option("paper", "--direction",
                                  help="Pair direction: paper (Table 2, else file order) or file_order."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --db."),
) -> None:
    """Build a world database (all or nothing). Default: the bundled real Wikidata slice, all subjects, with the
    paper's ten relations."""
    from kgedit.world import build as world_build

    world_build.check_source(source)
    files = {"--triples": triples, "--entities": entities, "--relations-file": relations_file}
    if source != "wikidata5m":
        given = [name for name, value in files.items() if value is not None]
        if given:
            raise KgeditError(f"{', '.join(given)} only apply to --source wikidata5m.",
                              "Add --source wikidata5m to read your own files, or drop those options.")
    if source == "synthetic":
        given = [name for name, value in (("--relations", relations), ("--n-relations", n_relations)) if value is not None]
        if given:
            raise KgeditError(f"{' and '.join(given)} only appl{'y' if len(given) > 1 else 'ies'} to the Wikidata "
                              "sources.", "The synthetic world always has the paper's ten relations.")
        config = world_build.SyntheticSource(subjects=world_build.DEFAULT_SUBJECTS if subjects is None else subjects,
                                             seed=seed)
    else:
        config = _wikidata_source(source, files, subjects=subjects, seed=seed, read_n_facts=read_n_facts,
                                  n_relations=n_relations, relations=relations, direction=direction)
    config.check()  # every number before any work
    counts = _with_progress(lambda progress: world_build.build_world(db_path, config, overwrite=overwrite,
                                                                     progress=progress))
    for key, what, path in (("duplicate_entity_ids", "entity", entities),
                            ("duplicate_relation_ids", "relation", relations_file)):
        if counts.get(key):
            warn(f"{counts[key]} {what} id(s) appear on more than one line of {path}; the first line of each was "
                 "used, the others ignored.")
    rows = [(key, value) for key, value in counts.items()]
    out(render_rows(["count", "value"], rows, "table", title=f"World written to {db_path}"))


def _wikidata_source(source: str, files: dict, *, relations: str | None, n_relations: int | None, **options):
    """The WikidataSource of --source wikidata (bundled files) or wikidata5m (the user's files)."""
    from kgedit.world.choice import relation_options
    from kgedit.world.wikidata import WikidataSource

    options.update(relation_options(source, relations, n_relations))
    if source == "wikidata":
        return WikidataSource.from_bundled(**options)
    missing = [name for name, value in files.items() if value is None]
    if missing:
        raise KgeditError(f"--source wikidata5m needs {', '.join(missing)}.",
                          "e.g. --triples triples.tsv --entities entities.tsv --relations-file relations.tsv; "
                          "or --source wikidata for the slice bundled with kgedit.")
    return WikidataSource(triples=files["--triples"], entities=files["--entities"],
                          relations=files["--relations-file"], **options)


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
