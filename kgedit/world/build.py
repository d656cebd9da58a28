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


@dataclass(frozen=True)
class SyntheticSource:
    """The built-in synthetic world (SPEC §1.5)."""

    subjects: int = DEFAULT_SUBJECTS
    seed: int = 0


def check_source(name: str) -> str:
    if name not in SOURCES:
        raise KgeditError(f"Unknown --source {name!r}.", f"Choose one of: {', '.join(SOURCES)}.")
    return name


def build_world(path: str | os.PathLike[str], source: WikidataSource | SyntheticSource, *, overwrite: bool = False,
                progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Build a world database at `path` (all or nothing: a failure leaves no file and keeps an old one)."""
    if source.subjects is not None:
        checks.integer("--subjects", source.subjects, low=2,
                       hint="The number of subjects to keep; leave it out for the default.")
        checks.seed("--seed", source.seed)
    with db.building(path, overwrite=overwrite) as con:
        if isinstance(source, SyntheticSource):
            from kgedit.world.synthetic import write_synthetic_world

            if progress:
                progress("generating the synthetic world")
            return write_synthetic_world(con, subjects=source.subjects, seed=source.seed)
        return import_wikidata(con, source, progress)
