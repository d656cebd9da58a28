"""Keys and target values at the subject's last token: the machinery rome and memit share.

* Context prefixes. ROME averages the key over a few short contexts so that the edit holds wherever
  the subject appears, not only at the start of a text. Ours: the empty prefix (the edit prompt as the
  evaluation asks it) plus plain fact sentences ("S r o. ") of the key-statistics document sample, in
  sample order — real text of this world, which is where the subject occurs during pretraining.
* Locating. Each (request, prefix) row is `[BOS] {prefix}{prompt}`; the subject's last token is the last
  token starting before the subject's end (tokenizer offsets). The model is causal, so the key there is
  the key of `[BOS] {prefix}{subject}`; keys, v* rows and injections all use this one tokenisation.
* Target values. A vector δ per request is added to the output of layer l's MLP output projection at the
  subject's last token in every row and optimised with Adam (ROME §3.1, eq. 4) to minimise, per request,
      mean over prefixes of the target's per-token NLL after `{prefix}{prompt}`
    + kl_weight · KL(p_edited ‖ p_original) of the next token after `[BOS] {subject}`
    + weight_decay · ‖δ‖² / ‖v_ref‖²,
  then clamped to ‖δ‖ ≤ clamp_norm_factor · ‖v_ref‖ after each step. The "essence" prompt is the subject
  alone: ROME uses "{s} is a", a template our corpus never contains; the text the corpus does contain
  right after a subject is its relations, whose distribution the KL term keeps. Requests are optimised
  together in one batch: the loss is a sum of independent per-request terms and Adam is elementwise,
  so each request's δ follows the trajectory it would follow alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kgedit.editors.base import EditRequest
from kgedit.errors import KgeditError
from kgedit.lm.families import per_row
from kgedit.lm.scoring import model_device, teacher_forced_batch
from kgedit.lm.tokenizer import split_pairs


def context_prefixes(texts: list[str], n: int) -> list[str]:
    """The empty prefix and n-1 distinct plain fact sentences (each ending in ". ") from `texts`."""
    prefixes = [""]
    for text in texts:
        for sentence in text.split(". "):
            sentence = sentence.strip().rstrip(".")
            candidate = sentence + ". "
            if len(prefixes) >= n:
                return prefixes
            if sentence and not sentence.startswith('"') and candidate not in prefixes:
                prefixes.append(candidate)
    return prefixes[:n]


def check_subject(request: EditRequest) -> None:
    if not request.subject:
        raise KgeditError(f"Edit request {request.prompt!r} names no subject; rome and memit edit at the "
                          "subject's last token.", "Pass EditRequest(subject=...) (kgedit evaluate does).")
    if not request.prompt.startswith(request.subject):
        raise KgeditError(f"Edit prompt {request.prompt!r} does not start with its subject {request.subject!r}.",
                          "The prompt must be '{subject} {relation}'.")


@dataclass
class Located:
    """Rows [BOS] {prefix}{prompt} (request-major: request i owns rows i*P .. i*P+P-1)."""
    prompt_ids: list[list[int]]     # per row, with BOS
    pos: torch.Tensor               # [R] index of the subject's last token in the row
    n_prefixes: int


def locate(tok, requests: list[EditRequest], prefixes: list[str], token: str = "subject") -> Located:
    """token="subject": the subject's last token (ROME); "last": the prompt's last token (ROME Fig. 5's
    comparison site; the essence row keeps the subject's last token, its own last token)."""
    for r in requests:
        check_subject(r)
    texts = [p + r.prompt for r in requests for p in prefixes]
    ends = [len(p) + len(r.subject) for r in requests for p in prefixes]
    rows, pos = [], []
    for enc, end in zip(tok.backend_tokenizer.encode_batch(texts, add_special_tokens=False), ends):
        last = max(i for i, (start, _) in enumerate(enc.offsets) if start < end) if token == "subject" else len(enc.ids) - 1
        rows.append([tok.bos_token_id, *enc.ids])
        pos.append(last + 1)                                    # +1: the BOS in front
    return Located(rows, torch.tensor(pos), len(prefixes))


def _padded(tok, seqs: list[list[int]], n_targets: list[int], device):
    ids, mask, is_target = teacher_forced_batch(seqs, n_targets, tok.pad_token_id)
    return ids.to(device), mask.to(device), is_target.to(device)


@torch.no_grad()
def read_at(model, tok, loc: Located, points: dict[str, tuple[torch.nn.Module, str]]) -> dict[str, torch.Tensor]:
    """{name: [n_requests, d]}: a module's input ("in") or output ("out") at the subject's last token,
    averaged over each request's prefixes, in float64 (one forward pass)."""
    device = model_device(model)
    ids, mask, _ = _padded(tok, loc.prompt_ids, [0] * len(loc.prompt_ids), device)
    rows, pos = torch.arange(len(ids), device=device), loc.pos.to(device)
    found: dict[str, torch.Tensor] = {}

    def hook_for(name: str, kind: str):
        def pre(_m, args):
            found[name] = per_row(args[0], len(rows))[rows, pos].double()           # [R, d]

        def post(_m, _args, out):
            out = out[0] if isinstance(out, tuple) else out       # decoder layers of some families return tuples
            found[name] = per_row(out, len(rows))[rows, pos].double()
        return pre if kind == "in" else post

    handles = [m.register_forward_pre_hook(hook_for(n, k)) if k == "in" else m.register_forward_hook(hook_for(n, k))
               for n, (m, k) in points.items()]
    try:
        model(input_ids=ids, attention_mask=mask)
    finally:
        for h in handles:
            h.remove()
    return {n: v.view(-1, loc.n_prefixes, v.shape[-1]).mean(1) for n, v in found.items()}


@dataclass(frozen=True)
class DeltaSettings:
    steps: int
    lr: float
    kl_weight: float
    weight_decay: float
    clamp_norm_factor: float


def optimise_deltas(model, tok, requests: list[EditRequest], loc: Located, module: torch.nn.Module,
                    v_ref: torch.Tensor, s: DeltaSettings, trace: list[dict[str, float]] | None) -> torch.Tensor:
    """δ [n, hidden] (float32, detached) to add to `module`'s output at the subject's last token.
    v_ref [n, hidden] is the value δ is measured against (norm clamp and weight decay)."""
    device, n, n_pre = model_device(model), len(requests), loc.n_prefixes
    conts = [c for _, c in split_pairs(tok, [(r.prompt, r.continuation) for r in requests])]
    essence = [tok.backend_tokenizer.encode(r.subject, add_special_tokens=False).ids for r in requests]
    seqs = [row + conts[i // n_pre] for i, row in enumerate(loc.prompt_ids)] + [[tok.bos_token_id, *e] for e in essence]
    n_targets = [len(conts[i // n_pre]) for i in range(n * n_pre)] + [0] * n
    ids, mask, is_target = _padded(tok, seqs, n_targets, device)
    rows = torch.arange(len(seqs), device=device)
    pos = torch.cat([loc.pos, torch.tensor([len(e) for e in essence])]).to(device)   # essence: its last token
    owner = torch.cat([torch.arange(n).repeat_interleave(n_pre), torch.arange(n)]).to(device)
    n_tok = torch.tensor(n_targets[:n * n_pre], device=device, dtype=torch.float64)
    target_rows = torch.nonzero(is_target[:, 1:])[:, 0]         # row of each scored token
    ref_norm = v_ref.norm(dim=1).float().to(device)              # [n]
    # Adam moves each coordinate by ~lr per step whatever the gradient's scale, so δ is optimised in
    # units of v_ref's RMS coordinate: the same v_lr fits value norms of 10 (GPT-2) or 250 (tiny, layer 0).
    unit = (ref_norm / v_ref.shape[1] ** 0.5)[:, None]                 # [n, 1]
    eps = torch.zeros((n, v_ref.shape[1]), device=device, requires_grad=True)
    injected: list[torch.Tensor] = []

    def inject(_m, _args, out):
        return per_row(out, len(rows)).index_put((rows, pos), injected[0].to(out.dtype), accumulate=True).view(out.shape)

    def forward() -> tuple[torch.Tensor, torch.Tensor]:
        """(log p of each target token [n_tok] summed per rewriting row [n*P], essence log-probs [n, V])."""
        logits = model(input_ids=ids, attention_mask=mask).logits           # [R, T, V]
        pred = torch.log_softmax(logits[:, :-1][is_target[:, 1:]].float(), -1)
        lp = pred.gather(1, ids[:, 1:][is_target[:, 1:]][:, None])[:, 0]
        per_row = torch.zeros(len(seqs), device=device, dtype=torch.float64).index_add(0, target_rows, lp.double())
        ess = torch.log_softmax(logits[rows[n * n_pre:], pos[n * n_pre:]].float(), -1)
        return per_row[:n * n_pre], ess

    handle = module.register_forward_hook(inject)
    was_training = model.training
    model.eval()
    try:
        injected[:] = [torch.zeros_like(eps)[owner]]
        with torch.no_grad():
            _, ess_ref = forward()                                    # the unedited essence distribution
        opt = torch.optim.Adam([eps], lr=s.lr)
        for step in range(s.steps):
            delta = eps * unit                                                  # [n, hidden]
            injected[:] = [delta[owner]]
            lp, ess = forward()
            nll = (-(lp / n_tok)).view(n, n_pre).mean(1)                        # [n]
            kl = (ess.exp() * (ess - ess_ref)).sum(-1)                          # [n] KL(edited ‖ original)
            decay = delta.norm(dim=1) ** 2 / ref_norm ** 2                      # [n]
            loss = (nll.float() + s.kl_weight * kl + s.weight_decay * decay).sum()
            if trace is not None:
                p_plain = lp.detach().view(n, n_pre)[:, 0].exp().mean()       # the prompt without prefix
                trace.append({"step": step, "loss": float(loss.detach()) / n, "p_target": float(p_plain)})
            if float(nll.detach().max()) < 0.05:          # ROME's early stop: every target already near-certain
                break
            (eps.grad,) = torch.autograd.grad(loss, [eps])                      # no .grad on the weights
            opt.step()
            with torch.no_grad():      # ‖δ‖ = ‖eps‖·unit ≤ clamp·‖v_ref‖  <=>  ‖eps‖ ≤ clamp·√d
                limit = s.clamp_norm_factor * v_ref.shape[1] ** 0.5
                eps.mul_(torch.clamp(limit / eps.norm(dim=1).clamp_min(1e-12), max=1.0)[:, None])
    finally:
        handle.remove()
        model.train(was_training)
    return (eps * unit).detach()
