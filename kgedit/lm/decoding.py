"""Batched greedy decoding with a KV cache, stopping at a sentence boundary (EOS, or the end of the
answer as kgedit.lm.sentences reads it: '"', or a '.' that ends the sentence rather than a name's).

Prompts are left-padded so every row's next token sits in the last column; positions are computed
from the attention mask (a left-padded row starts at position 0 at its first real token), and each
step feeds one token per row with the cache (transformers DynamicCache) from the step before.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from kgedit.lm.scoring import BatchHook, length_batches, model_device
from kgedit.lm.sentences import QUOTE, cut_answer, inner_stops, sentence_end
from kgedit.lm.tokenizer import encode

# Tokens past the longest name: one, so that a name is seen to end (or to go on: "city" in "city of …").
BOUNDARY_LOOKAHEAD = 1


@dataclass(frozen=True)
class Stops:
    """What ends a continuation, per token id: `final` (EOS, or a token holding '"') ends it at once;
    `dot` (a token holding '.') may end it, which the text after it decides."""
    final: torch.Tensor      # [V] bool
    dot: torch.Tensor        # [V] bool

    def to(self, device) -> "Stops":
        return Stops(self.final.to(device), self.dot.to(device))


def stop_tokens(tok) -> Stops:
    vocab = tok.backend_tokenizer.get_vocab_size()
    texts = tok.batch_decode([[i] for i in range(vocab)])
    final = torch.tensor([QUOTE in t for t in texts])
    final[tok.eos_token_id] = True
    return Stops(final, torch.tensor(["." in t for t in texts]))


def answer_tokens(tok, names: Sequence[str]) -> int:
    """max_new_tokens that lets the longest of `names` be generated and then be seen to end."""
    return max(len(ids) for ids in encode(tok, [" " + n for n in names])) + BOUNDARY_LOOKAHEAD


@torch.no_grad()
def greedy_decode(model, tok, prompts: Sequence[str], max_new_tokens: int, batch_size: int = 64,
                  *, stops: Stops | None = None, names: Sequence[str] = (), free: bool = False,
                  on_batch: BatchHook | None = None) -> list[str]:
    """Greedy continuation of [BOS] prompt for each prompt, cut where the answer ends (not stripped;
    kgedit.lm.sentences: `names` are the answers it may meet, so a ". " inside one is not its end; a
    '.' the budget ends on is kept: kgedit.lm.sentences.answer_matches reads it).
    free=True decodes max_new_tokens or up to EOS (free text, e.g. for fluency). `on_batch` is called
    with each batch's prompt indices before its first forward pass (kgedit.lm.scoring)."""
    device = model_device(model)
    if free:                                  # EOS alone ends free text: no vocabulary scan
        vocab = tok.backend_tokenizer.get_vocab_size()
        stops = Stops(torch.zeros(vocab, dtype=torch.bool), torch.zeros(vocab, dtype=torch.bool))
        stops.final[tok.eos_token_id] = True
    stops = (stops or stop_tokens(tok)).to(device)
    inner = inner_stops(names)
    encoded = [[tok.bos_token_id, *ids] for ids in encode(tok, list(prompts))]
    outputs: list[str] = [""] * len(prompts)
    for idx in length_batches([len(e) for e in encoded], batch_size):
        if on_batch is not None:
            on_batch(idx)
        generated = _decode_batch(model, tok, [encoded[i] for i in idx], max_new_tokens, stops, inner, device)
        for i, ids in zip(idx, generated):
            if tok.eos_token_id in ids:
                ids = ids[:ids.index(tok.eos_token_id)]
            text = tok.decode(ids)
            outputs[i] = text if free else cut_answer(text, inner, final=False)
    return outputs


def _cache_name(model) -> str:
    """The KV cache's argument and output name: `cache` since transformers 5.x (which warns on the
    old `past_key_values` at every call), `past_key_values` before."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _decode_batch(model, tok, seqs: list[list[int]], max_new_tokens: int, stops: Stops, inner: frozenset[str],
                  device: torch.device) -> list[list[int]]:
    pad_id = tok.pad_token_id
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        ids[row, width - len(s):] = torch.tensor(s)
        mask[row, width - len(s):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(1) - 1).clamp(min=0)                              # [b, t]
    done = torch.zeros(len(seqs), dtype=torch.bool, device=device)
    dotted = torch.zeros(len(seqs), dtype=torch.bool, device=device)    # rows that have produced a '.'
    length = torch.full((len(seqs),), max_new_tokens, dtype=torch.long, device=device)  # tokens of each row
    key = _cache_name(model)
    new_tokens = []
    cache = None
    step_ids, step_pos = ids, positions
    for step in range(max_new_tokens):
        was_done = done.clone()
        out = model(input_ids=step_ids, attention_mask=mask, position_ids=step_pos,
                    use_cache=True, **{key: cache})
        cache = getattr(out, key)
        nxt = out.logits[:, -1].argmax(-1)                                      # [b]
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        new_tokens.append(nxt)
        done |= stops.final[nxt]
        dotted |= stops.dot[nxt] & ~done
        if bool(dotted.any()):      # a '.' so far: the text decides whether the sentence has ended
            rows = torch.nonzero(dotted & ~done).flatten().tolist()
            so_far = torch.stack(new_tokens, 1)[rows].cpu().tolist()
            for row, ids in zip(rows, so_far):
                if sentence_end(tok.decode(ids), inner, final=False) is not None:
                    done[row] = True
        length = torch.where(done & ~was_done, torch.full_like(length, step + 1), length)
        if bool(done.all()):
            break
        step_ids, step_pos = nxt[:, None], step_pos[:, -1:] + 1
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
    if not new_tokens:
        return [[] for _ in seqs]
    gen = torch.stack(new_tokens, 1).cpu().tolist()                            # [b, new]
    return [row[:n] for row, n in zip(gen, length.cpu().tolist())]
