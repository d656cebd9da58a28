"""`kgedit world build` as a library call: pick the source, build into a new database atomically.

How a user asks for a world (the options of `kgedit world build`, the keys of the experiment file's
[world] section) is WorldOptions; source_config() turns it into the source's config, and holds the
rules on which option applies to which source, for both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kgedit import checks, db
from kgedit.errors import KgeditError
from kgedit.progress import Progress
from kgedit.settings import default_of, setting
from kgedit.world.choice import DEFAULT_N_RELATIONS, relation_options
from kgedit.world.wikidata import WikidataSource, import_wikidata

# wikidata: the slice bundled with kgedit; wikidata5m: the user's own Wikidata5m-format files.
SOURCES = ("wikidata", "wikidata5m", "synthetic")
# About 2,500 facts: small enough that the tiny LM memorises the corpus on a 2-core CPU in minutes.
DEFAULT_SUBJECTS = 1000
# Entity ids are 'E' + 7 digits (sql/world_synthetic.sql): subjects and the object pools (< 20,000)
# must stay below 10**7.
MAX_SUBJECTS = 9_000_000


@dataclass(frozen=True)
class SyntheticSource:
    """The built-in synthetic world (SPEC §1.5)."""

    subjects: int = DEFAULT_SUBJECTS
    seed: int = 0

    def check(self, name: checks.Namer = checks.option_name) -> None:
        checks.integer(name("subjects"), self.subjects, low=2, high=MAX_SUBJECTS,
                       hint=f"The default is {DEFAULT_SUBJECTS}.")
        checks.seed(name("seed"), self.seed)


def check_source(name: str) -> str:
    if name not in SOURCES:
        raise KgeditError(f"Unknown --source {name!r}.", f"Choose one of: {', '.join(SOURCES)}.")
    return name


@dataclass(frozen=True)
class WorldOptions:
    """Which world to build, as the user gives it: one option set for the three sources. Each source takes
    some of them (source_config); None: left out (the source's default applies)."""

    source: str = setting("wikidata", help="wikidata (real Wikidata: the slice bundled with kgedit), wikidata5m "
                                           "(your own files) or synthetic (a generated world for tests and demos).")
    subjects: int | None = setting(None, help="Keep a seeded sample of N subjects (wikidata, wikidata5m: default "
                                              f"all; synthetic: default {DEFAULT_SUBJECTS}, about 2.5 facts each).")
    seed: int = setting(0, help="Seed of the subject sample or the synthetic generator.")
    triples: Path | None = setting(None, help="wikidata5m: triples file (plain or .gz).")
    entities: Path | None = setting(None, help="wikidata5m: entity alias file.")
    relations_file: Path | None = setting(None, help="wikidata5m: relation alias file.")
    read_n_facts: int = setting(default_of(WikidataSource, "read_n_facts"),
                                help="wikidata5m: read the first N triple lines.")
    n_relations: int | None = setting(None, help="With --relations greedy: how many relations to choose (even; "
                                                 f"default {DEFAULT_N_RELATIONS}).")
    relations: str | None = setting(None, help="wikidata, wikidata5m: paper (the paper's ten; default for "
                                               "wikidata), greedy (chosen by co-occurrence; default for "
                                               "wikidata5m) or relation ids, e.g. P69,P106.")
    direction: str = setting(default_of(WikidataSource, "direction"),
                             help="Pair direction: paper (Table 2, else file order) or file_order.")


FILE_OPTIONS = ("triples", "entities", "relations_file")


def source_config(options: WorldOptions, name: checks.Namer = checks.option_name) -> WikidataSource | SyntheticSource:
    """The config of the source `options` ask for, refusing an option that the source does not take
    (`name` names options: --flags by default). Its numbers are checked by the config's check()."""
    check_source(options.source)
    files = {key: getattr(options, key) for key in FILE_OPTIONS}
    if options.source != "wikidata5m":
        given = [name(key) for key, value in files.items() if value is not None]
        if given:
            raise KgeditError(f"{', '.join(given)} only apply to {name('source')} wikidata5m.",
                              f"Add {name('source')} wikidata5m to read your own files, or drop those options.")
    if options.source == "synthetic":
        given = [name(key) for key in ("relations", "n_relations") if getattr(options, key) is not None]
        if given:
            raise KgeditError(f"{' and '.join(given)} only appl{'y' if len(given) > 1 else 'ies'} to the Wikidata "
                              "sources.", "The synthetic world always has the paper's ten relations.")
        return SyntheticSource(subjects=DEFAULT_SUBJECTS if options.subjects is None else options.subjects,
                               seed=options.seed)
    wikidata = dict(read_n_facts=options.read_n_facts, direction=options.direction, subjects=options.subjects,
                    seed=options.seed, **relation_options(options.source, options.relations, options.n_relations, name))
    if options.source == "wikidata":
        return WikidataSource.from_bundled(**wikidata)
    missing = [name(key) for key, value in files.items() if not value]   # an empty path in a file too
    if missing:
        raise KgeditError(f"{name('source')} wikidata5m needs {', '.join(missing)}.",
                          f"e.g. {name('triples')} triples.tsv {name('entities')} entities.tsv "
                          f"{name('relations_file')} relations.tsv; or {name('source')} wikidata for the slice "
                          "bundled with kgedit.")
    return WikidataSource(triples=Path(files["triples"]), entities=Path(files["entities"]),
                          relations=Path(files["relations_file"]), **wikidata)


def build_world(path: str | os.PathLike[str], source: WikidataSource | SyntheticSource, *, overwrite: bool = False,
                progress: Progress | None = None) -> dict[str, int]:
    """Build a world database at `path` (all or nothing: a failure leaves no file and keeps an old one)."""
    source.check()
    with db.building(path, overwrite=overwrite) as con:
        if isinstance(source, SyntheticSource):
            from kgedit.world.synthetic import write_synthetic_world

            if progress:
                progress("generating the synthetic world", 0, None)
            return write_synthetic_world(con, subjects=source.subjects, seed=source.seed)
        return import_wikidata(con, source, progress)
