"""What the evaluator asks of a model, for a batch of cases: generations, object probabilities and
T/F credences — as result rows. `LMMeasurer` asks a language model (batched, kgedit.lm); tests
plug in an oracle that answers from the Bayesian model instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kgedit.editors.base import Route
from kgedit.evaluate.case_set import Case, CaseSet

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
    """After an edit-parallel edit (Editor.edit_cases), `route` is the editor's: case i of `cases`
    is edit slot i."""
    def measure(self, cases: list[Case], phase: str, route: Route | None = None) -> Measurement: ...


def _logsumexp(values: np.ndarray) -> float:
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))


class LMMeasurer:
    """Batched measurements of a (possibly edited) causal LM; `model` is read at every call."""

    def __init__(self, model, tok, case_set: CaseSet, batch_size: int = 64) -> None:
        from kgedit.lm.decoding import answer_tokens, stop_tokens

        self.model, self.tok, self.case_set, self.batch_size = model, tok, case_set, batch_size
        self.stops = stop_tokens(tok)
        self.answers = sorted({case_set.names[o] for objs in case_set.candidates.values() for o in objs})
        self.max_new_tokens = answer_tokens(tok, self.answers) if self.answers else 1

    def measure(self, cases: list[Case], phase: str, route: Route | None = None) -> Measurement:
        """Every probe of `cases`, scored in shared batches. Without `route` all cases see the same
        model, so a (prompt, object) pair shared by several probes is scored once; with it, case i
        sees edit slot i and pairs are shared within a case only."""
        from kgedit.lm.decoding import greedy_decode
        from kgedit.lm.scoring import p_true, score

        names, candidates = self.case_set.names, self.case_set.candidates
        slot_of = {c.case_id: (i if route else 0) for i, c in enumerate(cases)}

        def hook(keys: list[tuple]):
            if route is None:
                return None
            slots = np.array([k[0] for k in keys])
            return lambda idx: route(slots[idx].tolist())

        probes = [p for c in cases for p in c.probes]
        pair_index: dict[tuple[int, str, str], int] = {}
        for p in probes:
            for o in candidates[p.relation_id]:
                pair_index.setdefault((slot_of[p.case_id], p.prompt, " " + names[o]), len(pair_index))
        pair_keys = list(pair_index)
        logps = score(self.model, self.tok, [k[1:] for k in pair_keys], self.batch_size, on_batch=hook(pair_keys))
        prompts = sorted({(slot_of[p.case_id], p.prompt) for p in probes})
        decoded = dict(zip(prompts, greedy_decode(self.model, self.tok, [k[1] for k in prompts], self.max_new_tokens,
                                                  self.batch_size, stops=self.stops, names=self.answers,
                                                  on_batch=hook(prompts))))
        subjects = sorted({(slot_of[c.case_id], c.subject) for c in cases})
        free = dict(zip(subjects, greedy_decode(self.model, self.tok, [k[1] for k in subjects], FLUENCY_TOKENS,
                                                self.batch_size, free=True, on_batch=hook(subjects))))
        logical = [(c.case_id, kind, (slot_of[c.case_id], prompt)) for c in cases for kind, prompt in sorted(c.logical.items())]
        logical_prompts = sorted({key for *_, key in logical})
        t_of = dict(zip(logical_prompts, p_true(self.model, self.tok, [k[1] for k in logical_prompts], self.batch_size,
                                                on_batch=hook(logical_prompts))))

        m = Measurement()
        for p in probes:
            slot = slot_of[p.case_id]
            m.generations.append((p.case_id, phase, p.probe, decoded[(slot, p.prompt)]))
            cand_lp = np.array([logps[pair_index[(slot, p.prompt, " " + names[o])]] for o in candidates[p.relation_id]])
            log_total = _logsumexp(cand_lp)
            for role, object_id in sorted(p.objects.items()):
                lp = float(logps[pair_index[(slot, p.prompt, " " + names[object_id])]])
                m.probe_scores.append((p.case_id, phase, p.probe, role, object_id, lp, float(np.exp(lp - log_total))))
        m.generations += [(c.case_id, phase, FLUENCY_PROBE, free[(slot_of[c.case_id], c.subject)]) for c in cases]
        m.logical_scores = [(case_id, phase, kind, float(t_of[key])) for case_id, kind, key in logical]
        return m
