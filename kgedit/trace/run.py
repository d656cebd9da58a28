"""Causal tracing of a model on its world (ROME §2, issue 20): which hidden states, at which token and
layer, carry each fact the model knows.

1. Candidates: a seeded sample of corpus facts (or the first cases' s1 r1 o*), as "{s} {r}" prompts.
2. Only the prompts the model answers correctly (greedy answer = o*, SPEC §9) are traced; the others
   are kept and counted as skipped.
3. Noise: σ = noise (3) x the standard deviation of the input embeddings of every token of the
   world's corpus subjects (ROME: 3 x the std of its subjects' embeddings); per prompt and sample a
   fixed Gaussian draw seeded by (seed, the fact's or case's id), so a prompt's noise does not depend on
   which other prompts are traced.
4. Per traced prompt: the clean run, then every (noise sample, cell) of the grid in batched forward
   passes (kgedit.trace.restore), averaged over the samples. p(object) is the probability of the
   object's first token after the prompt, as in ROME (kgedit.trace.restore says why).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.lm import families
from kgedit.lm.tokenizer import split_pairs
from kgedit.progress import Progress
from kgedit.trace.config import TraceConfig
from kgedit.trace.grid import (TOKEN_CLASSES, auto_window, check_window, class_average, grid_cells, parse_kinds,
                               peak_layer, token_classes)
from kgedit.trace.restore import TracedPrompt, clean_run, restored_probs


@dataclass(frozen=True)
class Candidate:
    source: str            # "fact" or "case"
    source_id: int
    subject: str
    prompt: str
    object: str


@dataclass(frozen=True)
class TracePlan:
    """What the trace will do, known before any model run: its fingerprint is the cache key."""
    candidates: list[Candidate]
    kinds: tuple[str, ...]
    window: int
    n_layers: int
    sigma: float

    def determining(self, config: TraceConfig) -> dict:
        """Everything the MLP grid depends on besides the weights (not paths, device, batch size, kinds)."""
        return {"candidates": [asdict(c) for c in self.candidates], "window": self.window, "sigma": self.sigma,
                "samples": config.samples, "seed": config.seed}


@dataclass
class PromptTrace:
    candidate: Candidate
    answer: str
    correct: bool
    tokens: list[str] = field(default_factory=list)
    n_subject: int = 0
    p_clean: float = float("nan")
    p_corrupt: float = float("nan")
    restored: dict[str, np.ndarray] = field(default_factory=dict)    # kind -> p restored [tokens, layers]

    @property
    def classes(self) -> list[tuple[str, ...]]:
        return token_classes(len(self.tokens), self.n_subject)


@dataclass
class TraceResult:
    plan: TracePlan
    prompts: list[PromptTrace]
    average: dict[str, np.ndarray]          # kind -> mean indirect effect [token classes, layers]
    class_counts: np.ndarray                # traced prompts per token class
    cells_per_second: float
    seconds: float

    @property
    def traced(self) -> list[PromptTrace]:
        return [p for p in self.prompts if p.correct]

    @property
    def layer(self) -> int | None:
        return peak_layer(self.average["mlp"]) if "mlp" in self.average else None

    @property
    def avg_total_effect(self) -> float:
        return float(np.mean([p.p_clean - p.p_corrupt for p in self.traced]))


def load_candidates(world_db: Path, config: TraceConfig) -> list[Candidate]:
    con = db.connect(world_db, read_only=True)
    try:
        if config.n_facts is None:
            db.require_tables(con, ["cases"], "benchmark cases", f"kgedit cases generate --db {world_db}")
            rows = db.fetch(con, db.load_sql("trace_cases"), {"n": config.cases})[1]
            return [Candidate("case", *row) for row in rows]
        db.require_tables(con, ["corpus_facts"], "corpus", f"kgedit corpus generate --db {world_db}")
        rows = db.fetch(con, db.load_sql("lm_probe_facts"), {"seed": config.seed, "n": config.n_facts})[1]
        return [Candidate("fact", fid, s, f"{s} {r}", o) for fid, s, r, o in rows]
    finally:
        con.close()


@torch.no_grad()
def subject_std(model, tok, world_db: Path) -> float:
    """Standard deviation of the input-embedding coordinates of every token of the corpus subjects' names."""
    from kgedit.lm.tokenizer import encode

    con = db.connect(world_db, read_only=True)
    try:
        names = [r[0] for r in db.fetch(con, db.load_sql("trace_subject_names"))[1]]
    finally:
        con.close()
    ids = torch.tensor([i for row in encode(tok, names) for i in row])
    weight = model.get_input_embeddings().weight
    return float(weight[ids.to(weight.device)].double().std())


def plan_trace(model, tok, world_db: Path, config: TraceConfig) -> TracePlan:
    config.check()
    layers = families.n_layers(model)
    window = config.window or auto_window(layers)
    check_window(window, layers)
    candidates = load_candidates(world_db, config)
    if not candidates:
        raise KgeditError(f"{world_db} has no {'cases' if config.n_facts is None else 'corpus facts'} to trace.",
                          "Build the corpus (and cases) first, see README.")
    return TracePlan(candidates, parse_kinds(config.kind), window, layers, config.noise * subject_std(model, tok, world_db))


def encode_prompt(tok, c: Candidate) -> tuple[TracedPrompt, list[str]]:
    """The row [BOS] prompt with the object's first token, and the prompt's token texts; subject tokens:
    those starting inside it."""
    if not c.prompt.startswith(c.subject):
        raise KgeditError(f"The prompt {c.prompt!r} does not start with its subject {c.subject!r}.",
                          "Traced prompts are '{subject} {relation}'.")
    (ids, obj), = split_pairs(tok, [(c.prompt, " " + c.object)])   # the object as read after the prompt
    offsets = tok.backend_tokenizer.encode(c.prompt, add_special_tokens=False).offsets[:len(ids)]
    n_subject = sum(1 for start, _ in offsets if start < len(c.subject))
    texts = [c.prompt[a:b] for a, b in offsets]
    return TracedPrompt((tok.bos_token_id, *ids), obj[0], tuple(range(1, n_subject + 1))), texts


def noise_for(config: TraceConfig, sigma: float, source_id: int, n_subject: int, hidden: int) -> torch.Tensor:
    """[samples, n_subject, hidden] Gaussian noise with std sigma, fixed by (seed, source id)."""
    seed = int(np.random.SeedSequence([config.seed, int(source_id)]).generate_state(1, np.uint64)[0] >> 1)
    g = torch.Generator().manual_seed(seed)
    return torch.randn(config.samples, n_subject, hidden, generator=g) * sigma


def run_trace(model, tok, plan: TracePlan, config: TraceConfig, progress: Progress | None = None) -> TraceResult:
    """Trace every candidate the model answers correctly (see the module docstring)."""
    from kgedit.lm.probes import greedy_answers
    from kgedit.lm.sentences import answer_matches

    start = time.perf_counter()
    was_training = model.training
    model.eval()
    try:
        if progress:
            progress("checking the model's answers", 0, None)
        cands = plan.candidates
        answers = greedy_answers(model, tok, [c.prompt for c in cands], [c.object for c in cands], config.batch_size)
        prompts = [PromptTrace(c, a, answer_matches(a, c.object)) for c, a in zip(cands, answers)]
        todo = [p for p in prompts if p.correct]
        if not todo:
            raise KgeditError(f"The model answers none of the {len(cands)} traced facts correctly, so there is "
                              "nothing to trace.", "Trace a trained checkpoint, or more facts (--facts N).")
        rows, forward_s = 0, 0.0
        for i, p in enumerate(todo):
            if progress:
                progress("tracing", i, len(todo), "prompts")
            row, p.tokens = encode_prompt(tok, p.candidate)
            p.n_subject = len(row.subject)
            p.p_clean, clean = clean_run(model, row, plan.kinds)
            cells = grid_cells(plan.kinds, len(p.tokens), plan.n_layers, plan.window)
            noise = noise_for(config, plan.sigma, p.candidate.source_id, p.n_subject, clean[(plan.kinds[0], 0)].shape[-1])
            t0 = time.perf_counter()
            probs = restored_probs(model, row, clean, noise, cells, config.batch_size).mean(0).numpy()   # [cells]
            forward_s += time.perf_counter() - t0
            rows += noise.shape[0] * len(cells)
            p.p_corrupt = float(probs[0])
            grid = probs[1:].reshape(len(plan.kinds), len(p.tokens), plan.n_layers)
            p.restored = {k: grid[j] for j, k in enumerate(plan.kinds)}
        if progress:
            progress("tracing", len(todo), len(todo), "prompts")
    finally:
        model.train(was_training)
    average, counts = {}, np.zeros(len(TOKEN_CLASSES), dtype=np.int64)
    for k in plan.kinds:
        average[k], counts = class_average([p.restored[k] - p.p_corrupt for p in todo], [p.classes for p in todo])
    return TraceResult(plan, prompts, average, counts, rows / max(forward_s, 1e-9), time.perf_counter() - start)
