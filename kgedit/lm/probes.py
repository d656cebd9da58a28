"""The evaluation probes of pretraining (paper Fig. 3) and their accuracies.

The probe set is a fixed, seeded sample of the corpus itself — the same facts and sentences at every
evaluation, so the curve measures how well the model has learned its training world:
* generative accuracy: greedy continuation of "{s} {r}", cut at '.', '"' or EOS, normalised
  (strip, lower case) and compared exactly with the object name (the corpus ground truth o*);
* tf / not / and / or accuracy: p(" true") > p(" false") after the sentence's `"…" is` prompt
  agrees with the sentence's label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgedit.errors import KgeditError
from kgedit.lm.sentences import answer_matches

SENTENCE_KINDS = ("tf", "not", "and", "or")


@dataclass(frozen=True)
class ProbeSet:
    fact_prompts: list[str]
    fact_objects: list[str]
    sentence_prompts: dict[str, list[str]]
    sentence_labels: dict[str, np.ndarray]


def sentence_prompt(text: str) -> str:
    """`"A r o" is true` -> `"A r o" is` (the truth word, and a final period if any, removed)."""
    head, _, last = text.rstrip(" .").rpartition(" ")
    if last not in ("true", "false") or not head:
        raise KgeditError(f"Cannot make a T/F prompt from the sentence {text!r}.",
                          "Labelled corpus sentences must end with 'is true' or 'is false'; rebuild the corpus.")
    return head


def load_probes(con, *, seed: int, n_facts: int, n_sentences: int) -> ProbeSet:
    """Sample the probe set from the corpus tables (deterministic for a seed)."""
    from kgedit import db

    _, facts = db.fetch(con, db.load_sql("lm_probe_facts"), {"seed": seed, "n": n_facts})
    _, sents = db.fetch(con, db.load_sql("lm_probe_sentences"), {"seed": seed, "n": n_sentences})
    prompts: dict[str, list[str]] = {k: [] for k in SENTENCE_KINDS}
    labels: dict[str, list[bool]] = {k: [] for k in SENTENCE_KINDS}
    for _, kind, text, label in sents:
        prompts[kind].append(sentence_prompt(text))
        labels[kind].append(bool(label))
    return ProbeSet(fact_prompts=[f"{s} {r}" for _, s, r, _ in facts], fact_objects=[o for *_, o in facts],
                    sentence_prompts=prompts, sentence_labels={k: np.array(v, dtype=bool) for k, v in labels.items()})


def greedy_answers(model, tok, prompts: list[str], objects: list[str], batch_size: int = 64) -> list[str]:
    """The greedy continuation of each "{s} {r}" prompt, as long as the longest object in tokens (SPEC §9's
    generative answer: kgedit.lm.sentences.answer_matches tells whether it is the object)."""
    from kgedit.lm.decoding import answer_tokens, greedy_decode

    names = sorted(set(objects))
    return greedy_decode(model, tok, prompts, max_new_tokens=answer_tokens(tok, names), batch_size=batch_size,
                         names=names)


def probe_accuracy(model, tok, probes: ProbeSet, batch_size: int = 64) -> dict[str, float | None]:
    """{gen_acc, tf_acc, not_acc, and_acc, or_acc}; None where the probe set has no items of a kind."""
    from kgedit.lm.scoring import p_true

    was_training = model.training
    model.eval()
    try:
        result: dict[str, float | None] = {"gen_acc": None}
        if probes.fact_prompts:
            answers = greedy_answers(model, tok, probes.fact_prompts, probes.fact_objects, batch_size)
            hits = [answer_matches(a, o) for a, o in zip(answers, probes.fact_objects)]
            result["gen_acc"] = float(np.mean(hits))
        for kind in SENTENCE_KINDS:
            prompts = probes.sentence_prompts[kind]
            if not prompts:
                result[f"{kind}_acc"] = None
                continue
            believed = p_true(model, tok, prompts, batch_size) > 0.5
            result[f"{kind}_acc"] = float(np.mean(believed == probes.sentence_labels[kind]))
        return result
    finally:
        model.train(was_training)
