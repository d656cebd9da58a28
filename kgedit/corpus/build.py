"""`kgedit corpus generate`: world tables in, corpus tables out (SPEC §2–3).

All randomness comes from one numpy Generator seeded with `config.seed`, consumed in a fixed order:
subject order, two-point g and distractors, conditional false versions, atomic samples, T/F labels,
or, and, then one document shuffle per resample. The computation happens before any write; the
writes run in one transaction, so a failure (or Ctrl-C) leaves the previous corpus, or none.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pyarrow as pa

from kgedit import __version__, db
from kgedit.corpus.config import DEFAULT_FACTS, CorpusConfig
from kgedit.corpus.documents import build_documents
from kgedit.corpus.facts import CorpusFacts, build_corpus_facts
from kgedit.corpus.generative import KIND_NAMES, Conditionals, WorldArrays, g_grid
from kgedit.corpus.sentences import KIND_NAMES as SENTENCE_KINDS
from kgedit.corpus.sentences import SentenceArrays, build_sentences
from kgedit.errors import KgeditError, SchemaError
from kgedit.progress import Progress, Steps

WORLD_TABLES = ("entities", "relations", "relation_pairs", "facts", "objects")
CORPUS_TABLES = ("corpus_facts", "gen_conditionals", "sentences", "documents", "evidence", "corpus_info")
WORLD_COMMAND = "kgedit world build --db world.duckdb"

STEPS = 6   # named steps reported to `progress`


def corpus_exists(con: db.Connection) -> bool:
    return any(db.table_exists(con, t) for t in CORPUS_TABLES)


def load_world(con: db.Connection) -> WorldArrays:
    """The world's facts as integer codes (needs the world tables)."""
    db.require_tables(con, WORLD_TABLES, "world", WORLD_COMMAND)
    db.execute_script(con, "corpus_world_index")
    cols = con.execute(db.load_sql("corpus_world_facts")).fetchnumpy()
    return WorldArrays(
        subject=np.asarray(cols["subject"], np.int32), relation=np.asarray(cols["relation"], np.int32),
        object=np.asarray(cols["object"], np.int32), is_downstream=np.asarray(cols["is_downstream"], bool),
        upstream_object=np.asarray(cols["upstream_object"], np.int32),
        upstream_relation=np.asarray(cols["upstream_relation"], np.int32),
        n_subjects=db.count_rows(con, "_corpus_subject_index"),
        n_relations=db.count_rows(con, "_corpus_relation_index"),
        n_objects=db.count_rows(con, "_corpus_object_index"),
    )


def generate_corpus(con: db.Connection, config: CorpusConfig, *, overwrite: bool = False,
                    progress: Progress | None = None) -> dict[str, int]:
    """Generate the corpus into the world database open on `con`; returns the table row counts."""
    config.check()
    try:
        return _generate(con, config, overwrite, progress)
    finally:  # the code tables are temporary; dropping them keeps the connection's catalog clean
        db.execute_script(con, "corpus_world_index_drop")


def _generate(con: db.Connection, config: CorpusConfig, overwrite: bool, progress: Progress | None) -> dict[str, int]:
    step = Steps(progress, "generating the corpus", STEPS)
    step("reading the world")
    world = load_world(con)
    if corpus_exists(con) and not overwrite:
        raise SchemaError("This database already has a corpus.",
                          "Pass --overwrite to replace it (the old one is kept if generation fails).")
    if len(world.subject) == 0:
        raise KgeditError("The world has no facts.", f"Rebuild it: {WORLD_COMMAND}")
    n_facts = config.facts if config.facts is not None else min(DEFAULT_FACTS, len(world.subject))
    rng = np.random.default_rng(config.seed)
    step("choosing facts and distributions")
    facts, dists, cond = build_corpus_facts(world, n_facts, config.min_true_prob, rng)
    step("sampling sentences")
    sentences = build_sentences(rng, facts, dists)
    params = asdict(config) | {"facts": n_facts, "g_grid_percent": g_grid(config.min_true_prob).tolist()}
    with db.transaction(con):
        if overwrite:
            db.execute_script(con, "corpus_drop")
        db.execute_script(con, "corpus")
        step("writing facts and sentences")
        _insert(con, "corpus_facts", _facts_table(facts))
        _insert(con, "conditionals", _conditionals_table(cond))
        _insert(con, "sentences", _sentences_table(sentences))
        step("writing documents")
        texts = con.sql("SELECT text FROM sentences ORDER BY sentence_id").to_arrow_table()["text"]
        subject_rank = facts.subject_rank[sentences.fact_id]
        docs = build_documents(rng, texts.combine_chunks(), subject_rank,
                               config.doc_resamples, config.max_sentences_per_doc)
        _insert(con, "documents", docs)
        step("writing evidence")
        con.execute(db.load_sql("corpus_insert_evidence"), {"copies": config.doc_resamples})
        con.execute(db.load_sql("corpus_insert_info"),
                    {"parameters": json.dumps(params, sort_keys=True), "seed": config.seed,
                     "version": __version__})
        counts = {t: db.count_rows(con, t) for t in CORPUS_TABLES[:-1]}
    step.done()
    return counts



def _insert(con: db.Connection, what: str, table: pa.Table) -> None:
    """Run sql/corpus_insert_<what>.sql over `table`, registered under the name that file reads."""
    name = "_corpus_" + what.removeprefix("corpus_") + "_in"
    con.register(name, table)
    try:
        con.execute(db.load_sql("corpus_insert_" + what.removeprefix("corpus_")))
    finally:
        con.unregister(name)


def _codes(values: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(values.astype(np.int8)), pa.array(list(names)))


def _facts_table(facts: CorpusFacts) -> pa.Table:
    return pa.table({
        "fact_id": np.arange(len(facts), dtype=np.int64), "subject": facts.subject, "relation": facts.relation,
        "object": facts.object, "kg_object": facts.kg_object, "kind": _codes(facts.kind, KIND_NAMES),
        "g": facts.g, "distractor": facts.distractor, "false_object": facts.false_object,
        "upstream_object": facts.upstream_object, "subject_rank": facts.subject_rank.astype(np.int32),
    })


def _conditionals_table(cond: Conditionals) -> pa.Table:
    seg_of = np.repeat(np.arange(len(cond.relation)), np.diff(cond.offsets))
    totals = np.add.reduceat(cond.weights, cond.offsets[:-1]) if len(seg_of) else np.zeros(0, np.int64)
    return pa.table({
        "relation": cond.relation[seg_of], "upstream_object": cond.upstream_object[seg_of],
        "object": cond.objects, "n_subjects": cond.counts, "weight": cond.weights,
        "probability": cond.weights / np.maximum(totals[seg_of], 1), "is_mode": cond.objects == cond.mode[seg_of],
    })


def _sentences_table(s: SentenceArrays) -> pa.Table:
    return pa.table({
        "sentence_id": np.arange(len(s), dtype=np.int64), "fact_id": s.fact_id,
        "kind": _codes(s.kind, SENTENCE_KINDS), "subject": s.subject, "relation": s.relation, "object": s.object,
        "label": pa.array(s.label == 1, mask=s.label < 0), "other_subject": s.other_subject,
        "other_relation": s.other_relation, "other_object": s.other_object, "other_first": s.other_first,
    })
