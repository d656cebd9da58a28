"""The built-in synthetic source (SPEC §1.5): a deterministic, Wikidata-shaped world.

Ten relations in the paper's five pairs, type-consistent objects (universities, occupations,
cities, countries, …), readable names, 2–3 facts per subject and ~20% of facts downstream with
their upstream present. Every subject carries a latent (upstream, downstream) object per pair of
its profile; the downstream object is drawn from a skewed distribution *given the upstream object*
(each university has its favourite occupations), so the dependency the Bayesian model learns is
real, also for subjects whose upstream fact is not in the world.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgedit import db
from kgedit.world import synthetic_names as names
from kgedit.world import tables
from kgedit.world.pairing import RelationPair, normalised_weights

# (relation id, label, object type); pairs are (0,1), (2,3), … upstream first, as in the paper's Table 2.
RELATIONS = (("P69", "educated at", "university"), ("P106", "occupation", "occupation"),
             ("P19", "place of birth", "city"), ("P27", "country of citizenship", "country"),
             ("P413", "position played on team / speciality", "position"), ("P54", "member of sports team", "team"),
             ("P641", "sport", "sport"), ("P421", "located in time zone", "time zone"),
             ("P31", "instance of", "venue type"), ("P17", "country", "country"))
N_PAIRS = len(RELATIONS) // 2
# Subject kinds and the two pairs of their profile: person (education, birth), athlete (position,
# birth), venue (instance of, sport).
KINDS = ("person", "athlete", "venue")
KIND_SHARE = (0.55, 0.15, 0.30)
PROFILE = np.array([[0, 1], [2, 1], [4, 3]])
# Downstream given upstream: a background share spread by popularity, the rest on three favourites.
BACKGROUND = 0.15
FAVOURITE_SHARE = np.array([0.55, 0.20, 0.10]) / (1 - BACKGROUND)
FULL_PAIR_SHARE = 0.5  # subjects with 3 facts (one complete pair): 0.5 * 1 / 2.5 facts = 20% downstream-with-upstream


@dataclass(frozen=True)
class SyntheticWorld:
    """Entities by index (id = E + 7 digits of index + 1) and facts as index arrays, sorted by subject."""

    names: np.ndarray          # str, one per entity
    n_objects_pool: int        # entities [0, n) are candidate objects, the rest subjects
    pools: dict[str, np.ndarray]   # object type -> entity indices of that type
    kind: np.ndarray           # per subject: index into KINDS
    fact_subject: np.ndarray   # entity index
    fact_relation: np.ndarray  # index into RELATIONS
    fact_object: np.ndarray    # entity index


def generate(subjects: int, seed: int) -> SyntheticWorld:
    """The world as arrays; the same (subjects, seed) always gives the same arrays."""
    if subjects < 1:
        raise ValueError("subjects must be >= 1")
    rng = np.random.default_rng(seed)
    pool_names = _object_pools(subjects, rng)
    offsets = np.cumsum([0] + [len(v) for v in pool_names.values()])
    pools = {t: np.arange(offsets[i], offsets[i + 1]) for i, t in enumerate(pool_names)}
    n_pool = int(offsets[-1])

    kind = rng.choice(len(KINDS), size=subjects, p=KIND_SHARE)
    latent = np.empty((subjects, 2, 2), dtype=np.int64)  # subject, profile slot, (upstream, downstream)
    for p in range(N_PAIRS):
        up_pool, down_pool = pools[RELATIONS[2 * p][2]], pools[RELATIONS[2 * p + 1][2]]
        up_pop, down_pop = _popularity(len(up_pool), rng), _popularity(len(down_pool), rng)
        favourites = np.argsort(rng.random((len(up_pool), len(down_pool))), axis=1)[:, :3]
        for slot in (0, 1):
            who = np.flatnonzero(PROFILE[kind, slot] == p)
            u = rng.choice(len(up_pool), size=len(who), p=up_pop)
            d = np.where(rng.random(len(who)) < BACKGROUND,
                         rng.choice(len(down_pool), size=len(who), p=down_pop),
                         favourites[u, rng.choice(3, size=len(who), p=FAVOURITE_SHARE)])
            latent[who, slot, 0], latent[who, slot, 1] = up_pool[u], down_pool[d]

    # Which latent facts are stated: a complete pair plus one side of the other pair (3 facts), or
    # one side of each pair (2 facts).
    full = rng.random(subjects) < FULL_PAIR_SHARE
    full_slot = rng.integers(0, 2, size=subjects)
    side = rng.integers(0, 2, size=(subjects, 2))
    rows = []
    for slot in (0, 1):
        for s in (0, 1):
            stated = np.where(full & (full_slot == slot), True, side[:, slot] == s)
            who = np.flatnonzero(stated)
            rel = 2 * PROFILE[kind[who], slot] + s
            rows.append(np.stack([who, rel, latent[who, slot, s]]))
    subj, rel, obj = np.concatenate(rows, axis=1)
    order = np.lexsort((rel, subj))
    subject_names = _subject_names(kind, latent, pools, rng)
    return SyntheticWorld(names=np.concatenate([np.concatenate(list(pool_names.values())), subject_names]),
                          n_objects_pool=n_pool, pools=pools, kind=kind, fact_subject=subj[order] + n_pool,
                          fact_relation=rel[order], fact_object=obj[order])


def _object_pools(subjects: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Object names per type; open-ended types grow with the world (bounded by the name supply)."""
    def town_sample(count: int) -> np.ndarray:
        return names.towns(1200)[rng.permutation(1200)[:count]]

    n_univ, n_city, n_team = (int(np.clip(subjects // d, lo, hi)) for d, lo, hi in
                              ((25, 12, 4800), (15, 20, 1200), (30, 10, 6000)))
    return {
        "university": names.forms(n_univ, names.UNIVERSITY_FORMS, town_sample(1200)),
        "occupation": np.array(names.OCCUPATIONS),
        "city": town_sample(n_city),
        "country": np.array(names.COUNTRIES),
        "position": np.array(names.POSITIONS),
        "team": names.forms(n_team, names.TEAM_FORMS, town_sample(1200)),
        "sport": np.array(names.SPORTS),
        "time zone": np.array(names.TIME_ZONES),
        "venue type": np.array(names.VENUE_TYPES),
    }


def _popularity(count: int, rng: np.random.Generator) -> np.ndarray:
    """Zipf-like popularity over a random order: a few objects are common, most are rare."""
    weights = 1.0 / (rng.permutation(count) + 1.0) ** 0.9
    return weights / weights.sum()


def _subject_names(kind: np.ndarray, latent: np.ndarray, pools: dict[str, np.ndarray],
                   rng: np.random.Generator) -> np.ndarray:
    """People get 'First Last' names in a random order; a venue is named after a town and its own type."""
    out = np.empty(len(kind), dtype=object)
    human = np.flatnonzero(kind != KINDS.index("venue"))
    out[human] = names.people(rng.permutation(len(human)))
    venue = np.flatnonzero(kind == KINDS.index("venue"))
    vtype = latent[venue, 0, 0] - pools["venue type"][0]
    rank = np.empty(len(venue), dtype=np.int64)  # rank of each venue among venues of its type
    order = np.lexsort((venue, vtype))
    starts = np.searchsorted(vtype[order], vtype[order])
    rank[order] = np.arange(len(venue)) - starts
    out[venue] = names.venues(vtype, rank, names.towns(1200)[rng.permutation(1200)])
    return out.astype(str)


def write_synthetic_world(con: db.Connection, *, subjects: int, seed: int) -> dict[str, int]:
    """Write every world table (sql/world.sql) into an empty open connection; returns the counts."""
    import pyarrow as pa

    world = generate(subjects, seed)
    db.execute_script(con, "world")
    facts = pa.table({"s": world.fact_subject, "r": world.fact_relation, "o": world.fact_object})
    ents = pa.table({"idx": np.arange(len(world.names)), "name": world.names})
    rels = pa.table({"r": np.arange(len(RELATIONS)), "relation_id": [r[0] for r in RELATIONS]})
    for view, table in (("synthetic_facts", facts), ("synthetic_entities", ents), ("synthetic_relations", rels)):
        con.register(view, table)
    try:
        db.execute_script(con, "world_synthetic")
    finally:
        for view in ("synthetic_facts", "synthetic_entities", "synthetic_relations"):
            con.unregister(view)
    db.execute_script(con, "world_cooccurrence")
    chosen = [r[0] for r in RELATIONS]
    weights = normalised_weights(chosen, tables.read_cooccurrence(con))
    pairs = [RelationPair(chosen[2 * p], chosen[2 * p + 1], weights[(chosen[2 * p], chosen[2 * p + 1])], "synthetic")
             for p in range(N_PAIRS)]
    tables.write_relations(con, chosen, {r[0]: r[1] for r in RELATIONS}, pairs)
    n = len(world.fact_subject)
    return tables.write_build_info(con, source="synthetic", parameters={"subjects": subjects, "seed": seed},
                                   n_triples_read=n, n_triples_kept=n, duplicates_dropped=0, seed=seed)


def write_synthetic_files(folder: str | Path, *, subjects: int, seed: int, compress: bool = False) -> dict[str, Path]:
    """The same world as Wikidata5m-format files (triples, entities, relations) for the importer.

    Like real Wikidata, the triples also hold lines the importer must drop or collapse: every person
    is `instance of` Q5 (human) and has a P735 given name, and about one fact in ten has a second,
    later object (1:N) — so importing these files with `--relations paper` gives back exactly the
    facts of write_synthetic_world(subjects, seed)."""
    import pyarrow as pa

    world = generate(subjects, seed)
    rng = np.random.default_rng([seed, 1])
    folder = Path(folder)
    suffix = ".tsv.gz" if compress else ".tsv"
    paths = {k: folder / f"{k}{suffix}" for k in ("triples", "entities", "relations")}
    extra = rng.random(len(world.fact_subject)) < 0.1
    starts = np.array([world.pools[r[2]][0] for r in RELATIONS])
    sizes = np.array([len(world.pools[r[2]]) for r in RELATIONS])
    rel_x = world.fact_relation[extra]
    extra_obj = starts[rel_x] + rng.integers(0, 1 << 30, size=len(rel_x)) % sizes[rel_x]
    human = np.flatnonzero(world.kind != KINDS.index("venue")) + world.n_objects_pool
    given = np.char.partition(world.names[human].astype(str), " ")[:, 0]
    con = db.connect()
    try:
        con.register("facts_t", pa.table({"s": world.fact_subject, "r": world.fact_relation, "o": world.fact_object,
                                          "extra": extra}))
        con.register("extra_t", pa.table({"s": world.fact_subject[extra], "r": world.fact_relation[extra],
                                          "o": extra_obj}))
        con.register("human_t", pa.table({"s": human, "given": given}))
        con.register("entity_t", pa.table({"idx": np.arange(len(world.names)), "name": world.names}))
        con.register("relation_t", pa.table({"r": np.arange(len(RELATIONS)), "pid": [r[0] for r in RELATIONS],
                                             "label": [r[1] for r in RELATIONS]}))
        for kind, path in paths.items():
            con.execute(db.load_sql(f"world_synthetic_{kind}_file"), {"path": str(path)})
    finally:
        con.close()
    return paths
