"""The Bayes-targeted editor (ours, SPEC §8): the same rank-1 LoRA as `lora`, trained toward what the
rational agent believes after the edit instead of toward the edited string alone.

For an edit (s, r, o_req) the Bayesian model (kgedit.bayes, weight n' by default) gives:
* the posterior over r's candidate objects for s (the edited fact itself, o_req at ~0.95, not 1);
* the posterior over the partner relation's candidates for s when s has that relation — for an
  upstream edit this is the downstream consequence (e.g. educated at -> occupation), the fact the
  paper shows LoRA never reaches;
* T_A = p(o_req | s, r) for the T/F form `"{A}" is` and 1 - T_A for `"not {A}" is`.
Loss = KL(posterior || LM over the candidates) for each relation + cross-entropy of p(true) against
those targets + a locality term, KL(unedited || edited) of the next-token distribution after prompts
(with locality_span=answer: at every token of the prompt's own answer, teacher-forced, summed, so
answers that share a first token with the edit's, "United Kingdom" / "United States of America",
are held too) of other subjects' facts with the edited relation and its partner (a fresh seeded sample per edit:
the neighbours a rank-1 update of these prompts is most likely to disturb) and, with `subject_prompts`,
of the edited subject's own facts of other relations (the answers of s1 the edit should leave alone).
With `hard_prompts` the term also holds, per relation, the other subjects' facts nearest to flipping
to this edit's answer (the largest log p(edit's answer) - log p(own answer) under the unedited model):
the neighbours a random sample rarely contains and an edit most easily carries along.
With `stop_kl` > 0 a case stops training once each of its KLs to the posteriors is at most stop_kl
(early stopping: no step past the targets, where the update only spreads to other subjects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from pathlib import Path

import numpy as np
import torch

from kgedit import db
from kgedit.bayes.edits import DEFAULT_TARGET, DEFAULT_WEIGHT
from kgedit.editors.base import NON_NEGATIVE, EditRequest, Limit, Route
from kgedit.editors.lora import LoraEditor, LoraParams, Objective, pair_batch
from kgedit.errors import KgeditError
from kgedit.lm.scoring import encode_pairs, model_device, score, target_log_probs, teacher_forced_batch

WORLD_TABLES = ("entities", "relations", "facts", "corpus_facts")


@dataclass(frozen=True)
class BayesParams(LoraParams):
    """lora's rank-1 adapter; the rest chosen by `kgedit tune` on the default world and tiny model
    (README): the partner relation's posterior weighted ~4x, a strong locality term on 48 neighbour
    prompts and 2 of the subject's own other facts, and early stopping once every KL to the posteriors
    is at most 0.1 nats (at most 70 steps). Tuned on cases seed 1 (first 100, trial 1 of 8), reported
    on held-out seeds 2 and 3. Then, on the same tuning cases against trial 1: the locality KL over
    the neighbours' whole answers (locality_span=answer) and 16 nearest-to-flipping neighbours
    (hard_prompts) kept every s2r1 neighbour (3 lost before) and raised downstream s1r2 0.74 -> 0.78.
    The previous tuning (first 50 cases, 6 trials) had 50 steps and 16 prompts without early stopping;
    before any tuning: lr 1e-3, 40 steps, every weight 1, 8 prompts."""
    lr: float = 2.06e-3
    steps: int = 70
    weight: str = "n_prime"          # Bayesian edit weight: n_prime (paper) or n (1000)
    fact_weight: float = 1.21
    partner_weight: float = 4.69
    tf_weight: float = 0.875
    locality_weight: float = 16.2
    locality_prompts: int = 48
    locality_span: str = "answer"      # where the locality KL is taken: the next token after each prompt, or every token of its answer
    hard_prompts: int = 16            # of the locality prompts' neighbours: these many nearest to flipping to the edit's answer
    subject_prompts: int = 2         # the subject's own other facts in the locality term (at most this many)
    stop_kl: float = 0.1             # early stopping: a case stops once every KL to its targets is at most this (0: never)

    LIMITS: ClassVar[dict[str, Limit]] = {
        **LoraParams.LIMITS, "weight": Limit(choices=("n_prime", "n")), "fact_weight": NON_NEGATIVE,
        "partner_weight": NON_NEGATIVE, "tf_weight": NON_NEGATIVE, "locality_weight": NON_NEGATIVE,
        "locality_prompts": NON_NEGATIVE, "hard_prompts": NON_NEGATIVE,
        "locality_span": Limit(choices=("next", "answer")), "subject_prompts": NON_NEGATIVE, "stop_kl": NON_NEGATIVE}


@dataclass(frozen=True)
class Consequence:
    relation_id: str
    prompt: str
    objects: list[str]                 # candidate names
    target: np.ndarray                 # posterior over the candidates (sums to 1)


@dataclass(frozen=True)
class EditTargets:
    consequences: list[Consequence]    # the edited fact first, then its partner when present
    t_a: float                         # p(o_req | s, r) after the edit


def _logits_at(model, ids: torch.Tensor, mask: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """[positions, V] float32 logits at the positions `at` only (the output layer is most of a small
    model's cost, and the locality rows are read at one to a few positions each)."""
    hidden = model.get_decoder()(input_ids=ids, attention_mask=mask).last_hidden_state
    return model.get_output_embeddings()(hidden[at]).float()


def _key(r: EditRequest) -> tuple[str, str, str]:
    return (r.subject_id, r.relation_id, r.object_id)


class BayesEditor(LoraEditor):
    name = "bayes"
    Params = BayesParams

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        self._targets: dict[tuple[str, str, str], EditTargets] = {}
        self._pool: dict[str, list[tuple[str, str, str]]] = {}   # relation_id -> (subject_id, prompt, object name) of its corpus facts
        self._own: dict[str, list[tuple[str, str, str]]] = {}   # subject_id -> (relation_id, prompt, object name) of its corpus facts

    def prepare(self, world_db: Path, requests: Sequence[EditRequest]) -> None:
        """The Bayesian consequences of every request, in one statement per batch."""
        import pyarrow as pa

        from kgedit.bayes.beliefs import edit_targets
        from kgedit.bayes.fit import require_fitted

        missing = [r for r in requests if not (r.subject_id and r.relation_id and r.object_id)]
        if missing:
            raise KgeditError("The bayes editor needs the world ids of each edit (subject, relation, object).")
        con = db.connect(world_db, read_only=True)
        try:
            db.require_tables(con, WORLD_TABLES, "world and corpus", f"kgedit corpus generate --db {world_db}")
            require_fitted(con, str(world_db))
            edits = pa.table({"edit_id": pa.array(range(len(requests)), pa.int64()),
                              "subject_id": [r.subject_id for r in requests],
                              "relation_id": [r.relation_id for r in requests],
                              "object_id": [r.object_id for r in requests]})
            con.register("_kgedit_edits", edits)
            try:
                probes = con.sql(db.load_sql("editor_bayes_probes")).to_arrow_table()
            finally:
                con.unregister("_kgedit_edits")
            scored = edit_targets(con, edits, probes.select(["probe_id", "edit_id", "subject_id", "relation_id",
                                                             "object_id"]),
                                  target=DEFAULT_TARGET, weight=DEFAULT_WEIGHT)
            self._pool, self._own = {}, {}
            for subject_id, relation_id, prompt, obj in db.fetch(con, db.load_sql("editor_bayes_locality"))[1]:
                self._pool.setdefault(relation_id, []).append((subject_id, prompt, obj))
                self._own.setdefault(subject_id, []).append((relation_id, prompt, obj))
        finally:
            con.close()
        column = "p_n_prime" if self.params.weight == "n_prime" else "p_n"
        p = dict(zip(scored.column("probe_id").to_pylist(), scored.column(column).to_pylist()))
        groups: dict[tuple[int, str], list[tuple[str, str, str, float, str]]] = {}
        for probe_id, edit_id, prompt, obj, object_id, consequence, relation_id in zip(
                *(probes.column(c).to_pylist() for c in ("probe_id", "edit_id", "prompt", "object", "object_id",
                                                         "consequence", "relation_id"))):
            groups.setdefault((edit_id, consequence), []).append((prompt, obj, object_id, p[probe_id], relation_id))
        for edit_id, request in enumerate(requests):
            consequences, t_a = [], None
            for kind in ("fact", "partner"):
                rows = groups.get((edit_id, kind))
                if not rows:
                    continue
                probs = np.array([r[3] for r in rows], dtype=np.float64)
                consequences.append(Consequence(rows[0][4], rows[0][0], [r[1] for r in rows], probs / probs.sum()))
                if kind == "fact":
                    t_a = next(r[3] for r in rows if r[2] == request.object_id)
            if t_a is None:
                raise KgeditError(f"{request.object_id} is not an object of relation {request.relation_id} in the world.")
            self._targets[_key(request)] = EditTargets(consequences, float(t_a))

    def rows_per_case(self, requests: Sequence[EditRequest]) -> float:
        """The candidates of the edited and the partner relation, 4 T/F rows and the locality prompts."""
        known = [self._targets[_key(r)] for r in requests if _key(r) in self._targets]
        if not known:
            return 1.0
        scored = sum(len(c.objects) for t in known for c in t.consequences) / len(known)
        return scored + 4 + self.params.locality_prompts + self.params.hard_prompts + self.params.subject_prompts

    def objective(self, requests: list[EditRequest], seeds: list[int], route: Route) -> Objective:
        """Per request: its consequences' KL, its T/F cross-entropy and its locality KL (sample seeded by
        the request's seed), every row routed to the request it belongs to."""
        unknown = [r for r in requests if _key(r) not in self._targets]
        if unknown:
            raise KgeditError("The bayes editor was not prepared for this edit.",
                              "Call prepare(world_db, requests) first (kgedit evaluate does).")
        prm, device = self.params, model_device(self.model)
        pairs: list[tuple[str, str]] = []
        slots: list[int] = []                                       # request of each scored row
        groups: list[tuple[int, slice, torch.Tensor, float]] = []   # (request, rows, target, weight)
        tf_rows: list[tuple[int, int, int, float]] = []             # (request, row true, row false, target)
        requested_rows: list[int] = []
        for i, r in enumerate(requests):
            targets = self._targets[_key(r)]
            for j, c in enumerate(targets.consequences):
                start = len(pairs)
                pairs += [(c.prompt, " " + o) for o in c.objects]
                if j == 0:
                    requested_rows.append(start + c.objects.index(r.target))
                groups.append((i, slice(start, len(pairs)), torch.tensor(c.target, device=device),
                               prm.fact_weight if j == 0 else prm.partner_weight))
            sentence = f"{r.prompt} {r.target}"
            for prompt, t in ((f'"{sentence}" is', targets.t_a), (f'"not {sentence}" is', 1.0 - targets.t_a)):
                tf_rows.append((i, len(pairs), len(pairs) + 1, t))
                pairs += [(prompt, " true"), (prompt, " false")]
            slots += [i] * (len(pairs) - len(slots))
        batch = pair_batch(self.tok, pairs, device)[:3]
        group_owner = torch.tensor([g[0] for g in groups], device=device)
        local = self._locality_batch(requests, seeds, device)

        def step() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
            route(slots)
            lp = target_log_probs(self.model, *batch)
            terms: list[list[torch.Tensor]] = [[] for _ in requests]     # loss terms of each request
            kls = []
            for i, rows, target, w in groups:
                log_q = torch.log_softmax(lp[rows], dim=0)
                kls.append((torch.xlogy(target, target) - target * log_q).sum())
                terms[i].append(w * kls[-1])
            for i, true_row, false_row, t in tf_rows:
                log_t = torch.nn.functional.logsigmoid(lp[true_row] - lp[false_row])
                log_f = torch.nn.functional.logsigmoid(lp[false_row] - lp[true_row])
                terms[i].append(prm.tf_weight * -(t * log_t + (1 - t) * log_f) / 2)
            losses = torch.stack([torch.stack(own).sum() for own in terms])
            if local is not None:
                ids, mask, at, ref, owner = local
                route(owner.tolist())
                log_p = torch.log_softmax(_logits_at(self.model, ids, mask, at), dim=-1)   # [positions, V]
                kl = torch.zeros(len(ids), dtype=torch.float64, device=device).index_add(
                    0, torch.nonzero(at)[:, 0], (ref.exp() * (ref - log_p)).sum(-1).double())   # [rows]
                counts = torch.bincount(owner, minlength=len(requests)).clamp(min=1)
                mean_kl = torch.zeros(len(requests), dtype=torch.float64, device=device).index_add(0, owner, kl)
                losses = losses + prm.locality_weight * mean_kl / counts
            settled = None
            if prm.stop_kl > 0:      # every KL of a request at most stop_kl (its largest, by scatter)
                worst = torch.zeros(len(requests), dtype=torch.float64, device=device).scatter_reduce(
                    0, group_owner, torch.stack(kls).detach().double(), "amax")
                settled = worst <= prm.stop_kl
            return losses.float(), lp[requested_rows].detach().exp(), settled
        return step

    def _locality_batch(self, requests: list[EditRequest], seeds: list[int], device):
        """Per request: prompts of other subjects' facts of its relations (the hard_prompts nearest to
        flipping to its answers, then a sample seeded by its seed) and of its subject's other facts; the
        positions `at` where the KL is taken (locality_span) and the unedited model's next-token
        log-distributions there; `owner` = the request of each row."""
        prm = self.params
        if prm.locality_prompts + prm.hard_prompts + prm.subject_prompts <= 0 or prm.locality_weight == 0:
            return None
        chosen: list[tuple[str, str]] = []      # (prompt, its own answer)
        owner: list[int] = []
        scores: dict[tuple[str, str | None], np.ndarray] = {}   # (relation, answer or None: own) -> log p over its pool
        for i, (r, seed) in enumerate(zip(requests, seeds)):
            consequences = sorted(self._targets[_key(r)].consequences, key=lambda c: c.relation_id)
            rng = np.random.default_rng(seed)
            for k, c in enumerate(consequences):    # each sample split evenly over the relations
                pool = self._pool.get(c.relation_id, [])
                others = [j for j, (subject, _, _) in enumerate(pool) if subject != r.subject_id]
                n = len(consequences)
                hard = prm.hard_prompts // n + (k < prm.hard_prompts % n)
                picked = self._nearest_to_flipping(c, r, others, hard, scores) if others and hard else []
                taken = set(picked)
                rest = [j for j in others if j not in taken]
                share = prm.locality_prompts // n + (k < prm.locality_prompts % n)
                if rest and share:
                    picked += [rest[j] for j in sorted(rng.choice(len(rest), size=min(share, len(rest)), replace=False))]
                chosen += [pool[j][1:] for j in picked]
                owner += [i] * len(picked)
            relations = {c.relation_id for c in consequences}
            own = [(prompt, obj) for relation_id, prompt, obj in self._own.get(r.subject_id, []) if relation_id not in relations]
            chosen += own[:prm.subject_prompts]            # in relation order: the same for every seed
            owner += [i] * len(own[:prm.subject_prompts])
        if not chosen:
            return None
        if prm.locality_span == "answer":     # every position that predicts a token of the fact's own answer
            seqs, n_answer = encode_pairs(self.tok, [(prompt, " " + obj) for prompt, obj in chosen])
            ids, mask, is_answer = teacher_forced_batch(seqs, n_answer, self.tok.pad_token_id)
            at = torch.zeros_like(is_answer)
            at[:, :-1] = is_answer[:, 1:]
        else:                                 # the next token after the prompt
            from kgedit.lm.tokenizer import encode

            seqs = [[self.tok.bos_token_id, *ids] for ids in encode(self.tok, [prompt for prompt, _ in chosen])]
            ids, mask, _ = teacher_forced_batch(seqs, [0] * len(seqs), self.tok.pad_token_id)
            at = torch.zeros_like(mask, dtype=torch.bool)
            at[torch.arange(len(seqs)), torch.tensor([len(s) - 1 for s in seqs])] = True
        ids, mask, at = ids.to(device), mask.to(device), at.to(device)
        with torch.no_grad():      # built before any adapter is attached: the unedited model
            ref = torch.log_softmax(_logits_at(self.model, ids, mask, at), dim=-1)
        return ids, mask, at, ref, torch.tensor(owner, device=device)

    def _nearest_to_flipping(self, c: Consequence, r: EditRequest, others: list[int], n: int,
                             scores: dict[tuple[str, str | None], np.ndarray]) -> list[int]:
        """Indices (into c's relation's pool) of the n facts among `others` whose unedited answer is
        nearest to becoming the edit's answer for c's relation (the requested object for the edited fact,
        the posterior's mode for the partner): the largest log p(answer) - log p(own answer). Facts whose
        own answer is the edit's are not at risk and left out. A relation's pool is scored whole (the
        model as it is, no adapter attached), so the choice is the same whatever else is edited beside this request."""
        answer = r.target if c.relation_id == r.relation_id else c.objects[int(np.argmax(c.target))]
        pool = self._pool[c.relation_id]
        for key in ((c.relation_id, answer), (c.relation_id, None)):    # None: each fact's own answer
            if key not in scores:
                scores[key] = score(self.model, self.tok, [(prompt, " " + (own if key[1] is None else key[1]))
                                                           for _, prompt, own in pool], batch_size=256)
        margin = scores[(c.relation_id, answer)] - scores[(c.relation_id, None)]
        at_risk = [j for j in others if pool[j][2] != answer]
        order = sorted(at_risk, key=lambda j: (-margin[j], j))
        return sorted(order[:n])

