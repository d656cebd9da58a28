"""What the evaluator asks of a model, for a batch of cases: generations, object probabilities and
T/F credences — as result rows. `LMMeasurer` asks a language model (batched, kgedit.lm); tests
plug in an oracle that answers from the Bayesian model instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kgedit.evaluate.cases import Case, CaseSet

# Fluency (ROME's GE): a free greedy continuation of "[BOS] {s1}" this many tokens long, per case.
FLUENCY_PROBE = "fluency"
FLUENCY_TOKENS = 32


@dataclass
class Measurement:
    generations: list[tuple] = field(default_factory=list)    # (case_id, phase, probe | "fluency", generation)
    probe_scores: list[tuple] = field(default_factory=list)   # (case_id, phase, probe, role, object_id, logp, p_norm)
    logical_scores: list[tuple] = field(default_factory=list)  # (case_id, phase, kind, t_lm)

    def extend(self, other: Measurement) -> None:
        self.generations += other.generations
        self.probe_scores += other.probe_scores
        self.logical_scores += other.logical_scores


class Measurer(Protocol):
    def measure(self, cases: list[Case], phase: str) -> Measurement: ...


def _logsumexp(values: np.ndarray) -> float:
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))


class LMMeasurer:
    """Batched measurements of a (possibly edited) causal LM; `model` is read at every call."""

    def __init__(self, model, tok, case_set: CaseSet, batch_size: int = 64) -> None:
        from kgedit.lm.decoding import stop_token_mask
        from kgedit.lm.tokenizer import encode

        self.model, self.tok, self.case_set, self.batch_size = model, tok, case_set, batch_size
        self.stop_mask = stop_token_mask(tok)
        names = [" " + case_set.names[o] for objs in case_set.candidates.values() for o in objs]
        self.max_new_tokens = max(len(ids) for ids in encode(tok, names)) if names else 1

    def measure(self, cases: list[Case], phase: str) -> Measurement:
        from kgedit.lm.decoding import greedy_decode
        from kgedit.lm.scoring import p_true, score

        names, candidates = self.case_set.names, self.case_set.candidates
        probes = [p for c in cases for p in c.probes]
        # Each distinct (prompt, candidate) pair is scored once, however many probes share it.
        pair_index: dict[tuple[str, str], int] = {}
        for p in probes:
            for o in candidates[p.relation_id]:
                pair_index.setdefault((p.prompt, " " + names[o]), len(pair_index))
        logps = score(self.model, self.tok, list(pair_index), self.batch_size)
        prompts = sorted({p.prompt for p in probes})
        decoded = dict(zip(prompts, greedy_decode(self.model, self.tok, prompts, self.max_new_tokens,
                                                  self.batch_size, stop_mask=self.stop_mask)))
        subjects = sorted({c.subject for c in cases})
        free = dict(zip(subjects, greedy_decode(self.model, self.tok, subjects, FLUENCY_TOKENS, self.batch_size,
                                                boundary="")))
        logical = [(c.case_id, kind, prompt) for c in cases for kind, prompt in sorted(c.logical.items())]
        logical_prompts = sorted({prompt for *_, prompt in logical})
        t_of = dict(zip(logical_prompts, p_true(self.model, self.tok, logical_prompts, self.batch_size)))

        m = Measurement()
        for p in probes:
            m.generations.append((p.case_id, phase, p.probe, decoded[p.prompt]))
            cand_lp = np.array([logps[pair_index[(p.prompt, " " + names[o])]] for o in candidates[p.relation_id]])
            log_total = _logsumexp(cand_lp)
            for role, object_id in sorted(p.objects.items()):
                lp = float(logps[pair_index[(p.prompt, " " + names[object_id])]])
                m.probe_scores.append((p.case_id, phase, p.probe, role, object_id, lp, float(np.exp(lp - log_total))))
        m.generations += [(c.case_id, phase, FLUENCY_PROBE, free[c.subject]) for c in cases]
        m.logical_scores = [(case_id, phase, kind, float(t_of[prompt])) for case_id, kind, prompt in logical]
        return m
