"""`kgedit world build` as a library call: pick the source, build into a new database atomically."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from kgedit import checks, db
from kgedit.errors import KgeditError
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


def build_world(path: str | os.PathLike[str], source: WikidataSource | SyntheticSource, *, overwrite: bool = False,
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Build a world database at `path` (all or nothing: a failure leaves no file and keeps an old one)."""
    source.check()
    with db.building(path, overwrite=overwrite) as con:
        if isinstance(source, SyntheticSource):
            from kgedit.world.synthetic import write_synthetic_world

            if progress:
                progress("generating the synthetic world")
            return write_synthetic_world(con, subjects=source.subjects, seed=source.seed)
        return import_wikidata(con, source, progress)
