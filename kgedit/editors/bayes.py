"""The Bayes-targeted editor (ours, SPEC §8): the same rank-1 LoRA and step budget as `lora`, trained
toward what the rational agent believes after the edit instead of toward the edited string alone.

For an edit (s, r, o_req) the Bayesian model (kgedit.bayes, weight n' by default) gives:
* the posterior over r's candidate objects for s (the edited fact itself, o_req at ~0.95, not 1);
* the posterior over the partner relation's candidates for s when s has that relation — for an
  upstream edit this is the downstream consequence (e.g. educated at -> occupation), the fact the
  paper shows LoRA never reaches;
* T_A = p(o_req | s, r) for the T/F form `"{A}" is` and 1 - T_A for `"not {A}" is`.
Loss = KL(posterior || LM over the candidates) for each relation + cross-entropy of p(true) against
those targets + a locality term, KL(unedited || edited) of the next-token distribution after prompts
of other subjects' facts with the edited relation and its partner (a fresh seeded sample per edit:
the neighbours a rank-1 update of these prompts is most likely to disturb).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kgedit import db
from kgedit.bayes.edits import DEFAULT_TARGET, DEFAULT_WEIGHT
from kgedit.editors.base import EditRequest
from kgedit.editors.lora import LoraEditor, LoraParams, Objective, pair_batch
from kgedit.errors import KgeditError
from kgedit.lm.scoring import model_device, target_log_probs, teacher_forced_batch

WORLD_TABLES = ("entities", "relations", "facts", "corpus_facts")


@dataclass(frozen=True)
class BayesParams(LoraParams):
    """lora's adapter and step budget; a larger step size (the objective is a distribution, not a string)."""
    lr: float = 1e-3
    weight: str = "n_prime"          # Bayesian edit weight: n_prime (paper) or n (1000)
    fact_weight: float = 1.0
    partner_weight: float = 1.0
    tf_weight: float = 1.0
    locality_weight: float = 1.0
    locality_prompts: int = 8


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


def _key(r: EditRequest) -> tuple[str, str, str]:
    return (r.subject_id, r.relation_id, r.object_id)


class BayesEditor(LoraEditor):
    name = "bayes"
    Params = BayesParams

    def __init__(self, model, tok, params=None) -> None:
        super().__init__(model, tok, params)
        if self.params.weight not in ("n_prime", "n"):
            raise KgeditError(f"bayes parameter weight must be n_prime or n (got {self.params.weight!r}).")
        self._targets: dict[tuple[str, str, str], EditTargets] = {}
        self._pool: dict[str, list[tuple[str, str]]] = {}   # relation_id -> (subject_id, prompt) of its corpus facts

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
            self._pool = {}
            for subject_id, relation_id, prompt in db.fetch(con, db.load_sql("editor_bayes_locality"))[1]:
                self._pool.setdefault(relation_id, []).append((subject_id, prompt))
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

    def objective(self, requests: list[EditRequest], seed: int) -> Objective:
        unknown = [r for r in requests if _key(r) not in self._targets]
        if unknown:
            raise KgeditError("The bayes editor was not prepared for this edit.",
                              "Call prepare(world_db, requests) first (kgedit evaluate does).")
        prm, device = self.params, model_device(self.model)
        pairs: list[tuple[str, str]] = []
        groups: list[tuple[slice, torch.Tensor, float]] = []     # (rows, target, weight)
        tf_rows: list[tuple[int, int, float]] = []                 # (row true, row false, target)
        requested_rows: list[int] = []
        for r in requests:
            targets = self._targets[_key(r)]
            for i, c in enumerate(targets.consequences):
                start = len(pairs)
                pairs += [(c.prompt, " " + o) for o in c.objects]
                if i == 0:
                    requested_rows.append(start + c.objects.index(r.target))
                groups.append((slice(start, len(pairs)), torch.tensor(c.target, device=device),
                               prm.fact_weight if i == 0 else prm.partner_weight))
            sentence = f"{r.prompt} {r.target}"
            for prompt, t in ((f'"{sentence}" is', targets.t_a), (f'"not {sentence}" is', 1.0 - targets.t_a)):
                tf_rows.append((len(pairs), len(pairs) + 1, t))
                pairs += [(prompt, " true"), (prompt, " false")]
        batch = pair_batch(self.tok, pairs, device)[:3]
        local = self._locality_batch(requests, seed, device)

        def step() -> tuple[torch.Tensor, float]:
            lp = target_log_probs(self.model, *batch)
            loss = torch.zeros((), dtype=torch.float64, device=device)
            for rows, target, w in groups:
                log_q = torch.log_softmax(lp[rows], dim=0)
                loss = loss + w * (torch.xlogy(target, target) - target * log_q).sum()
            for true_row, false_row, t in tf_rows:
                log_t = torch.nn.functional.logsigmoid(lp[true_row] - lp[false_row])
                log_f = torch.nn.functional.logsigmoid(lp[false_row] - lp[true_row])
                loss = loss + prm.tf_weight * -(t * log_t + (1 - t) * log_f) / 2
            if local is not None:
                ids, mask, last, ref = local
                logits = self.model(input_ids=ids, attention_mask=mask).logits
                log_p = torch.log_softmax(logits[torch.arange(len(ids), device=device), last].float(), dim=-1)
                kl = (ref.exp() * (ref - log_p)).sum(-1).mean()
                loss = loss + prm.locality_weight * kl.double()
            p_req = float(lp[requested_rows].detach().exp().mean())
            return (loss / len(requests)).float(), p_req
        return step

    def _locality_batch(self, requests: list[EditRequest], seed: int, device):
        """Prompts of other subjects' facts and the unedited model's next-token log-distribution there."""
        if self.params.locality_prompts <= 0 or self.params.locality_weight == 0:
            return None
        edited = {r.subject_id for r in requests}
        relations = sorted({c.relation_id for r in requests for c in self._targets[_key(r)].consequences})
        rng = np.random.default_rng(seed)
        chosen: list[str] = []
        for i, relation_id in enumerate(relations):    # the sample split evenly over the relations
            pool = [prompt for subject, prompt in self._pool.get(relation_id, []) if subject not in edited]
            share = self.params.locality_prompts // len(relations) + (i < self.params.locality_prompts % len(relations))
            if pool and share:
                chosen += [pool[j] for j in sorted(rng.choice(len(pool), size=min(share, len(pool)), replace=False))]
        if not chosen:
            return None
        from kgedit.lm.tokenizer import encode

        seqs = [[self.tok.bos_token_id, *ids] for ids in encode(self.tok, chosen)]
        ids, mask, _ = teacher_forced_batch(seqs, [0] * len(seqs), self.tok.pad_token_id)
        last = torch.tensor([len(s) - 1 for s in seqs])
        ids, mask, last = ids.to(device), mask.to(device), last.to(device)
        with torch.no_grad():
            logits = self.model(input_ids=ids, attention_mask=mask).logits
            ref = torch.log_softmax(logits[torch.arange(len(seqs), device=device), last].float(), dim=-1)
        return ids, mask, last, ref
