"""The micro pipeline of the editor and evaluator tests (conftest's `pipeline` fixture builds it once per
session): a synthetic world (120 subjects), its corpus, the Bayesian fit, 16 cases, and a kgedit checkpoint
of a very small Mistral trained for a few steps."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kgedit import db
from kgedit.cases.build import generate_cases
from kgedit.cases.config import CasesConfig
from kgedit.corpus.build import generate_corpus
from kgedit.corpus.config import CorpusConfig
from kgedit.lm.config import TrainConfig
from kgedit.lm.presets import get_preset
from kgedit.lm.train import train
from kgedit.world.synthetic import write_synthetic_world

N_CASES = 16
MICRO = dataclasses.replace(get_preset("tiny"), name="tiny", hidden_size=32, intermediate_size=64, num_layers=1,
                            num_heads=2, num_kv_heads=2, block_size=64, batch_size=4, tokens=64 * 4 * 30,
                            eval_every_tokens=10**9, save_every_tokens=10**9, warmup_steps=5)


def build_pipeline(folder: Path) -> tuple[Path, Path]:
    """world.duckdb (world, corpus, fit, cases) and ckpt/ (trained on it) in folder."""
    world, ckpt = folder / "world.duckdb", folder / "ckpt"
    con = db.connect(world)
    try:
        write_synthetic_world(con, subjects=120, seed=3)
        generate_corpus(con, CorpusConfig(seed=3))
        generate_cases(con, CasesConfig(n=N_CASES, seed=0))      # fits the Bayesian model first
    finally:
        con.close()
    train(world, ckpt, TrainConfig(preset=MICRO, n_probe_facts=5, n_probe_sentences=2))
    return world, ckpt


def result_rows(out: Path) -> dict[str, list[tuple]]:
    """The measured rows of a results folder (sorted), and each case's final edit loss."""
    from kgedit.evaluate.results import open_results

    con = open_results(out)
    try:
        return {table: db.fetch(con, f"SELECT * FROM {table} ORDER BY ALL")[1]
                for table in ("generations", "probe_scores", "logical_scores")} | {
            "edits": db.fetch(con, "SELECT case_id, final_loss FROM edits ORDER BY case_id")[1]}
    finally:
        con.close()


def answer_world(world: Path, ckpt: Path) -> int:
    """Make the micro model right about some facts (causal tracing traces only those): every odd-numbered
    corpus fact the model answers with some text now has that text as its object (a new entity). Returns
    how many facts changed; the others stay facts the model gets wrong."""
    from kgedit.lm.checkpoint import load_checkpoint
    from kgedit.lm.probes import greedy_answers

    model, tok, _ = load_checkpoint(ckpt, "cpu")
    con = db.connect(world)
    try:
        rows = db.fetch(con, db.load_sql("lm_probe_facts"), {"seed": 0, "n": 10**6})[1]
        answers = greedy_answers(model, tok, [f"{s} {r}" for _, s, r, _ in rows], [o for *_, o in rows])
        changed = [(fid, a.strip().lower()) for (fid, *_), a in zip(rows, answers) if a.strip() and fid % 2]
        for answer in sorted({a for _, a in changed}):
            con.execute("INSERT INTO entities VALUES (?, ?)", [f"E:answer:{answer}", answer])
        con.executemany("UPDATE corpus_facts SET object_id = ? WHERE fact_id = ?",
                        [[f"E:answer:{a}", fid] for fid, a in changed])
    finally:
        con.close()
    return len(changed)
