"""Which relations make up the world (SPEC §1.2): the greedy co-occurrence walk, or a named list.

Pure functions over plain values; the co-occurrence counts come from sql/world_cooccurrence.sql.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from kgedit import checks
from kgedit.errors import KgeditError

# The paper's ten relations (Hase et al. 2024, Table 2), in the order of its table.
PAPER_RELATIONS: tuple[str, ...] = ("P69", "P106", "P19", "P27", "P413", "P54", "P641", "P421", "P31", "P17")

# SPEC §1.1: never part of a world.
EXCLUDED_RELATIONS: frozenset[str] = frozenset({"P735", "P131"})

Cooccurrence = Mapping[tuple[str, str], int]


def greedy_choice(cooccurrence: Cooccurrence, n_relations: int) -> list[str]:
    """Walk unordered pairs by descending C; add both if both are new and >= 2 slots remain, add the
    new one if only one is new. Ties are broken by relation id (smaller pair first) so the walk is
    deterministic. Returns at most n_relations ids in the order they were chosen."""
    pairs = sorted(((n, a, b) for (a, b), n in cooccurrence.items() if a < b and n > 0),
                   key=lambda t: (-t[0], t[1], t[2]))
    chosen: list[str] = []
    for _, a, b in pairs:
        if len(chosen) >= n_relations:
            break
        new = [r for r in (a, b) if r not in chosen]
        if len(new) == 2 and n_relations - len(chosen) >= 2:
            chosen.extend(new)
        elif len(new) == 1:
            chosen.append(new[0])
    return chosen


# --relations left out: the bundled slice takes the paper's ten (on it they give 1.7x the downstream-answer
# changes of the greedy choice, see README "The world"); a user's Wikidata5m files take SPEC §1.2's greedy choice.
DEFAULT_RELATIONS: Mapping[str, str] = {"wikidata": "paper", "wikidata5m": "greedy"}
DEFAULT_N_RELATIONS = 10
RELATION_PRESETS = ("paper", "greedy")


def parse_relation_list(text: str, option: str = "--relations") -> list[str] | None:
    """'P69,P106' -> ['P69', 'P106']; 'paper' -> the paper's ten; 'greedy' -> None (the greedy choice)."""
    preset = text.strip().lower()
    if preset == "paper":
        return list(PAPER_RELATIONS)
    if preset == "greedy":
        return None
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise KgeditError(f"{option} is empty.", "Give relation ids like P69,P106 or a preset: paper, greedy")
    close = difflib.get_close_matches(ids[0].lower(), RELATION_PRESETS, n=1) if len(ids) == 1 else []
    if close:
        raise KgeditError(f"{option} {ids[0]!r} is not a preset.",
                          f"Did you mean {option} {close[0]}? Presets: paper, greedy; or ids like P69,P106.")
    duplicates = sorted({r for r in ids if ids.count(r) > 1})
    if duplicates:
        raise KgeditError(f"{option} names {', '.join(duplicates)} more than once.", "Name each relation once.")
    return ids


def relation_options(source: str, relations: str | None, n_relations: int | None,
                     name: checks.Namer = checks.option_name) -> dict:
    """WikidataSource's relation_ids and n_relations from --relations/--n-relations (None: left out)."""
    text = DEFAULT_RELATIONS[source] if relations is None else relations
    relation_ids = parse_relation_list(text, name("relations"))
    if relation_ids is not None and n_relations is not None:
        left_out = f" (the default of source {source})" if relations is None else ""
        raise KgeditError(f"{name('n_relations')} only applies to the greedy choice, not to {name('relations')} "
                          f"{text}{left_out}.",
                          f"Set {name('relations')} greedy to choose N relations by co-occurrence, or leave "
                          f"{name('n_relations')} out.")
    return {"relation_ids": relation_ids,
            "n_relations": DEFAULT_N_RELATIONS if n_relations is None and relation_ids is None else n_relations}


def check_relation_count(n_relations: int, name: str = "--n-relations") -> None:
    """Relations are paired up, so the count must be even and at least 2."""
    if isinstance(n_relations, bool) or not isinstance(n_relations, int) or n_relations < 2 or n_relations % 2:
        raise KgeditError(f"{name}: a world needs an even number of relations (>= 2), not {n_relations}.",
                          "Relations come in upstream/downstream pairs; try 10.")


def check_named_relations(ids: Sequence[str], labels: Mapping[str, str], with_facts: Mapping[str, int]) -> None:
    """Every named relation must exist (with an alias), not be excluded, and have facts after the filters."""
    unknown = [r for r in ids if r not in labels]
    if unknown:
        raise KgeditError(f"Unknown relation id(s) in --relations: {', '.join(unknown)}.",
                          _suggestion(unknown[0], labels))
    check_relation_count(len(ids), "--relations")
    excluded = [r for r in ids if r in EXCLUDED_RELATIONS]
    if excluded:
        raise KgeditError(f"--relations names {', '.join(excluded)}, which SPEC §1.1 excludes (given name, "
                          "administrative territory).", "Choose other relations.")
    empty = [r for r in ids if not with_facts.get(r)]
    if empty:
        raise KgeditError(f"Relation(s) {', '.join(f'{r} ({labels[r]})' for r in empty)} have no triples left "
                          "after the exclusions (or in the first --read-n-facts lines).",
                          "Choose relations that occur in the triples file, or raise --read-n-facts.")


def _suggestion(wrong: str, labels: Mapping[str, str]) -> str:
    by_label = {label.lower(): rid for rid, label in labels.items()}
    close = difflib.get_close_matches(wrong, list(labels), n=3, cutoff=0.6)
    close += [by_label[m] for m in difflib.get_close_matches(wrong.lower(), list(by_label), n=3, cutoff=0.6)]
    if close:
        shown = ", ".join(f"{rid} ({labels[rid]})" for rid in dict.fromkeys(close))
        return f"Did you mean {shown}? Relation ids are the first column of the relations file."
    return "Relation ids are the first column of the relations file (e.g. P106); or use the preset: paper"


def choice_error(found: Sequence[str], n_relations: int) -> KgeditError:
    """Fewer co-occurring relations than asked for."""
    return KgeditError(
        f"The greedy co-occurrence walk found only {len(found)} relation(s) that share subjects with another "
        f"relation; asked for {n_relations}.",
        f"Ask for fewer: --n-relations {max(2, len(found) - len(found) % 2)}, or read more lines (--read-n-facts).")
