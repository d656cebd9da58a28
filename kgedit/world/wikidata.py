"""Import Wikidata5m-format files into the world schema (SPEC §1.1–1.4).

All heavy work is DuckDB SQL over the streamed files (sql/world_*.sql); Python only sees the
relation x relation co-occurrence counts, runs the greedy choice and the matching, and writes the
ten or so relation rows.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kgedit import checks, db
from kgedit.errors import InputFileError, KgeditError
from kgedit.progress import Progress, Steps
from kgedit.world import choice, pairing, tables

GZIP_MAGIC = b"\x1f\x8b"

# (temp table, role in messages, what a line must look like)
_FILES = (("triple_lines", "triples", "3 tab-separated fields: subject<TAB>relation<TAB>object"),
          ("entity_lines", "entities", "an entity id, then tab-separated aliases"),
          ("relation_lines", "relations", "a relation id, then tab-separated aliases"))


@dataclass(frozen=True)
class WikidataSource:
    """The three Wikidata5m files and how much of them to use."""

    triples: Path
    entities: Path
    relations: Path
    read_n_facts: int | None = 2_000_000
    n_relations: int | None = choice.DEFAULT_N_RELATIONS  # how many the greedy choice takes (None with relation_ids)
    relation_ids: Sequence[str] | None = None  # named relations instead of the greedy choice
    direction: str = "paper"
    subjects: int | None = None  # a seeded sample of this many subjects (None: all of them)
    seed: int = 0
    bundled: bool = False        # the files are kgedit's own slice (data/wikidata)

    @classmethod
    def from_bundled(cls, **options) -> WikidataSource:
        """The Wikidata slice shipped with kgedit (data/wikidata, see its PROVENANCE.md)."""
        from kgedit.world.bundled import bundled_files

        return cls(**bundled_files(), bundled=True, **options)

    @property
    def source_name(self) -> str:
        return "wikidata" if self.bundled else "wikidata5m"

    def parameters(self) -> dict:
        files = ({"files": "bundled data/wikidata (see PROVENANCE.md)"} if self.bundled else
                 {"triples": str(self.triples), "entities": str(self.entities), "relations_file": str(self.relations)})
        return {**files, "read_n_facts": self.read_n_facts,
                "n_relations": self.n_relations if self.relation_ids is None else None,
                "relations": list(self.relation_ids) if self.relation_ids else None, "direction": self.direction,
                "subjects": self.subjects, "seed": self.seed if self.subjects is not None else None}

    def check(self, name: checks.Namer = checks.option_name) -> None:
        if self.subjects is not None:
            checks.integer(name("subjects"), self.subjects, low=2,
                           hint="The number of subjects to keep; leave it out for the default.")
        checks.seed(name("seed"), self.seed)
        if self.read_n_facts is not None:
            checks.integer(name("read_n_facts"), self.read_n_facts, low=1,
                           hint="The default reads the first 2,000,000 lines.")
        if self.relation_ids is None:
            choice.check_relation_count(self.n_relations, name("n_relations"))
        if self.direction not in pairing.DIRECTIONS:
            raise KgeditError(f"Unknown {name('direction')} {self.direction!r}.",
                              f"Choose one of: {', '.join(pairing.DIRECTIONS)}.")


def import_wikidata(con: db.Connection, source: WikidataSource, progress: Progress | None = None) -> dict[str, int]:
    """Write every world table into `con` (an empty database) from the files; returns the counts."""
    step = Steps(progress, "importing Wikidata", 6 if source.subjects is None else 7)
    db.execute_script(con, "world")
    step("reading files")
    n_read = _read_files(con, source)
    step("applying exclusions")
    db.execute_script(con, "world_import")
    labels = dict(con.execute("SELECT relation_id, label FROM relation_alias").fetchall())
    per_relation = con.execute(
        "SELECT relation_id, count(*), min(line_no) FROM kept_triples GROUP BY relation_id").fetchall()
    n_kept = sum(n for _, n, _ in per_relation)
    if n_kept == 0:
        raise KgeditError(f"No triples are left after the exclusions (read {n_read} lines of {source.triples}).",
                          "Check that the entities and relations files list aliases for the ids in the triples "
                          "file; triples with P735, P131, Q5 or Q16521 are always dropped.")
    step("counting relation co-occurrence")
    db.execute_script(con, "world_cooccurrence")
    cooccurrence = tables.read_cooccurrence(con)
    step("choosing relations")
    chosen = _choose(source, cooccurrence, labels, {r: n for r, n, _ in per_relation})
    con.execute(db.load_sql("world_chosen"), {"ids": chosen})
    step("writing facts and entities")
    db.execute_script(con, "world_facts")
    n_facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    if n_facts == 0:
        raise KgeditError(f"No subject has two or more of the chosen relations ({', '.join(chosen)}).",
                          "Read more lines (--read-n-facts) or choose relations that co-occur.")
    step("pairing relations")
    first_seen = {r: line for r, _, line in per_relation}
    pairs = pairing.pair_relations(chosen, tables.chosen_cooccurrence(cooccurrence, chosen), first_seen,
                                   source.direction)
    tables.write_relations(con, chosen, labels, pairs)
    if source.subjects is not None:
        step(f"sampling {source.subjects} subjects")
        _sample_subjects(con, source)
    step.done()
    dropped = con.execute("SELECT count(*) FROM name_losers").fetchone()[0]
    duplicate_ids = con.execute(db.load_sql("world_duplicate_ids")).fetchone()
    return tables.write_build_info(con, source=source.source_name, parameters=source.parameters(),
                                   n_triples_read=n_read, n_triples_kept=n_kept, duplicates_dropped=dropped,
                                   seed=source.seed if source.subjects is not None else None,
                                   duplicate_ids=duplicate_ids)


def _sample_subjects(con: db.Connection, source: WikidataSource) -> None:
    """Keep a seeded sample of `source.subjects` subjects among those with both relations of a pair."""
    import numpy as np

    eligible = [subject for (subject,) in con.execute(db.load_sql("world_sample_eligible")).fetchall()]
    if source.subjects > len(eligible):
        raise KgeditError(f"--subjects {source.subjects} is more than the {len(eligible)} subjects available "
                          "(subjects with both relations of a pair).",
                          f"Choose --subjects between 2 and {len(eligible)}, or leave it out to keep them all.")
    rng = np.random.default_rng(source.seed)
    kept = sorted(eligible[i] for i in rng.choice(len(eligible), size=source.subjects, replace=False))
    con.execute("CREATE TEMP TABLE sampled_subjects AS SELECT unnest($ids) AS subject_id", {"ids": kept})
    db.execute_script(con, "world_sample")


def _read_files(con: db.Connection, source: WikidataSource) -> int:
    """Load the three files as numbered lines; raise on a missing, unreadable or damaged file or the first
    malformed line."""
    paths = {"triple_lines": source.triples, "entity_lines": source.entities, "relation_lines": source.relations}
    for table, role, _ in _FILES:
        path = checks.input_file(f"The {role} file", paths[table],
                                 f"Pass the Wikidata5m {role} file (plain or .gz) with --{_option(role)}.")
        compression = "gzip" if _verify_gzip(path, role) else "auto"
        limit = source.read_n_facts if table == "triple_lines" else None
        try:
            con.execute(db.load_sql("world_read_lines"), {"path": str(path), "limit": limit,
                                                         "compression": compression})
        except db.Error as exc:
            raise InputFileError(f"Cannot read the {role} file {path}: {db.one_line_error(exc)}",
                                 "Expected UTF-8 text, plain or gzip-compressed (.gz), one record per line.") from None
        # A table name cannot be bound: it comes from _FILES (never user text) and is checked by quote_identifier.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {db.quote_identifier(table)} AS "
                    "SELECT rowid + 1 AS line_no, line FROM raw_lines")
    con.execute("DROP TABLE raw_lines")
    bad = con.execute(db.load_sql("world_bad_line")).fetchone()
    if bad:
        role, line_no, line = bad
        expected = next(e for _, r, e in _FILES if r == role)
        shown = "a blank line" if line is None else repr(line if len(line) <= 80 else line[:77] + "...")
        path = next(paths[t] for t, r, _ in _FILES if r == role)
        raise InputFileError(f"{path}, line {line_no}: expected "
                             f"{expected}; found {shown}.",
                             f"Fix or remove that line; is this really the {role} file?")
    return con.execute("SELECT count(*) FROM triple_lines").fetchone()[0]


def _verify_gzip(path: Path, role: str) -> bool:
    """True for a gzip file, after decompressing all of it: DuckDB checks neither the CRC nor the length.

    The whole file is checked even when --read-n-facts reads only its start: a flipped bit inside
    the part read is only certain to show in the CRC at the end. Recognised by its magic bytes, so a
    gzip without the .gz name is read as gzip too.
    """
    with open(path, "rb") as fh:
        if fh.read(2) != GZIP_MAGIC:
            return False
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(f"The {role} file {path} is a damaged gzip: {exc}.",
                             "The file is truncated or corrupt (`gzip -t` shows the same); download or "
                             "compress it again.") from None
    return True


def _option(role: str) -> str:
    return {"triples": "triples", "entities": "entities", "relations": "relations-file"}[role]


def _choose(source: WikidataSource, cooccurrence: choice.Cooccurrence, labels: dict[str, str],
            with_facts: dict[str, int]) -> list[str]:
    if source.relation_ids is not None:
        choice.check_named_relations(source.relation_ids, labels, with_facts)
        return list(source.relation_ids)
    chosen = choice.greedy_choice(cooccurrence, source.n_relations)
    if len(chosen) < source.n_relations:
        raise choice.choice_error(chosen, source.n_relations)
    return chosen
