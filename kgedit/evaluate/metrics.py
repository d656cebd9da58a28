"""Pure metric functions of SPEC §9 over plain values (numpy arrays, strings); no torch, no database.

Conventions: per-probe inputs are 1-D arrays aligned by case (row i of every argument belongs to the
same case), so logical coherence always combines a case's *own* T_A, T_B, … (orig mixed labels
across a batch). Means of empty inputs are NaN, not an error: an empty split has no score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from kgedit.lm.sentences import answer_matches, cut_answer

GE_ORDERS = (2, 3)
GE_WEIGHTS = (2 / 3, 4 / 3)  # ROME's weights; GE = mean(w_n * H_n) = H2/3 + 2*H3/3
_WORD = re.compile(r"\w+|[^\w\s]")


def _array(values: Iterable[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _aligned(*arrays: np.ndarray) -> None:
    if len({a.shape for a in arrays}) > 1:
        raise ValueError(f"per-case inputs must have the same length, got {[a.shape for a in arrays]}")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


# --- generative accuracy -------------------------------------------------------------------------

def normalize_generation(text: str, eos: str | None = None) -> str:
    """Cut at the EOS token text when given and at the first sentence boundary (kgedit.lm.sentences:
    '"', or a '.' followed by a space, '"' or the end), lowercase, strip."""
    if eos and eos in text:
        text = text[:text.index(eos)]
    return cut_answer(text).lower().strip()


def generation_matches(generation: str, label: str, *, contains: bool = False, eos: str | None = None) -> bool:
    """Exact: the generation (up to EOS) is the label followed by nothing or a sentence boundary
    (kgedit.lm.sentences.answer_matches: a '.' inside the label, as in "Juventus F.C.", is the label's);
    `contains`: the label occurs inside the normalised generation (orig behaviour, an option)."""
    if contains:
        return label.lower().strip() in normalize_generation(generation, eos)
    if eos and eos in generation:
        generation = generation[:generation.index(eos)]
    return answer_matches(generation, label)


def generative_accuracy(generations: Sequence[str], labels: Sequence[str], *, contains: bool = False,
                        eos: str | None = None) -> float:
    if len(generations) != len(labels):
        raise ValueError(f"{len(generations)} generations but {len(labels)} labels")
    hits = np.array([generation_matches(g, y, contains=contains, eos=eos) for g, y in zip(generations, labels)],
                    dtype=bool)
    return _mean(hits.astype(np.float64))


# --- probabilistic and logical coherence ---------------------------------------------------------
# Each coherence is the mean of a per-case error; the *_errors functions give those errors (the tables'
# bootstrap resamples them), the *_coherence functions their mean.

def probabilistic_errors(p_lm: Iterable[float], p_bayes: Iterable[float]) -> np.ndarray:
    """|p_LM - p_Bayes| per probe."""
    a, b = _array(p_lm), _array(p_bayes)
    _aligned(a, b)
    return np.abs(a - b)


def tf_errors(p_object_a: Iterable[float], t_a: Iterable[float]) -> np.ndarray:
    """TF: |p_LM(o_A | "s r") - T_A| per case, T_A = p_LM(true | "A" is)."""
    p, t = _array(p_object_a), _array(t_a)
    _aligned(p, t)
    return np.abs(p - t)


def negation_errors(t_a: Iterable[float], t_not_a: Iterable[float]) -> np.ndarray:
    """not: |T_A - (1 - T_notA)| per case."""
    a, na = _array(t_a), _array(t_not_a)
    _aligned(a, na)
    return np.abs(a - (1.0 - na))


def or_errors(t_b_or_a: Iterable[float], t_a: Iterable[float], t_b: Iterable[float]) -> np.ndarray:
    """or: |T_{B or A} - (T_A + T_B - T_A T_B)| per case."""
    o, a, b = _array(t_b_or_a), _array(t_a), _array(t_b)
    _aligned(o, a, b)
    return np.abs(o - (a + b - a * b))


def and_errors(t_a_and_b: Iterable[float], t_a: Iterable[float], t_b: Iterable[float]) -> np.ndarray:
    """and: |T_{A and B} - T_A T_B| per prompt."""
    c, a, b = _array(t_a_and_b), _array(t_a), _array(t_b)
    _aligned(c, a, b)
    return np.abs(c - a * b)


def probabilistic_coherence(p_lm: Iterable[float], p_bayes: Iterable[float]) -> float:
    """Mean absolute error |p_LM - p_Bayes| over probes."""
    return _mean(probabilistic_errors(p_lm, p_bayes))


def tf_coherence(p_object_a: Iterable[float], t_a: Iterable[float]) -> float:
    """TF: mean |p_LM(o_A | "s r") - T_A|, T_A = p_LM(true | "A" is)."""
    return _mean(tf_errors(p_object_a, t_a))


def negation_coherence(t_a: Iterable[float], t_not_a: Iterable[float]) -> float:
    """not: mean |T_A - (1 - T_notA)|."""
    return _mean(negation_errors(t_a, t_not_a))


def or_coherence(t_b_or_a: Iterable[float], t_a: Iterable[float], t_b: Iterable[float]) -> float:
    """or: mean |T_{B or A} - (T_A + T_B - T_A T_B)|."""
    return _mean(or_errors(t_b_or_a, t_a, t_b))


def and_coherence(t_a_and_b: Iterable[float], t_a: Iterable[float], t_b: Iterable[float]) -> float:
    """and: mean |T_{A and B} - T_A T_B| (pass both orders concatenated to score and_ab and and_ba)."""
    return _mean(and_errors(t_a_and_b, t_a, t_b))


# --- Table 4/5 splits (boolean masks over cases) -------------------------------------------------

def all_edit_requests(model_outputs_request_pre: Iterable[bool]) -> np.ndarray:
    """Requests the model did not already output before the edit."""
    return ~np.asarray(model_outputs_request_pre, dtype=bool)


def downstream_answer_changes_split(model_outputs_request_pre: Iterable[bool],
                                    downstream_answer_changes: Iterable[bool]) -> np.ndarray:
    """All edit requests whose Bayesian s1r2 answer changes with the edit (cases.downstream_answer_changes)."""
    base = all_edit_requests(model_outputs_request_pre)
    changes = np.asarray(downstream_answer_changes, dtype=bool)
    _aligned(base, changes)
    return base & changes


def fixing_errors(model_correct_pre: Iterable[bool], reinforces: Iterable[bool]) -> np.ndarray:
    """The model was wrong on s1r1 before the edit and the edit reinforces the ground truth."""
    wrong = ~np.asarray(model_correct_pre, dtype=bool)
    reinforce = np.asarray(reinforces, dtype=bool)
    _aligned(wrong, reinforce)
    return wrong & reinforce


# --- CounterFact (ROME) ----------------------------------------------------------------------------

def success_and_magnitude(p_wanted: Iterable[float], p_other: Iterable[float]) -> tuple[float, float]:
    """(mean[p_wanted > p_other], mean[p_wanted - p_other]): ES/EM with (o_req, o*) on "s r", PS/PM on
    the T/F form, NS/NM with (o*, o_req) on the neighbour prompt "s2 r"."""
    w, o = _array(p_wanted), _array(p_other)
    _aligned(w, o)
    return _mean((w > o).astype(np.float64)), _mean(w - o)


def counterfact_score(es: float, ps: float, ns: float) -> float:
    """S: harmonic mean of ES, PS, NS (0 when any is 0)."""
    values = (es, ps, ns)
    if any(math.isnan(v) for v in values):
        return math.nan
    if min(values) <= 0:
        return 0.0
    return len(values) / sum(1.0 / v for v in values)


def ngram_entropy(tokens: Sequence[str], n: int) -> float:
    """-sum_k f(k) log2 f(k) over the frequency distribution of the text's n-grams (0 without n-grams)."""
    grams = Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    total = sum(grams.values())
    if total == 0:
        return 0.0
    f = np.array(list(grams.values()), dtype=np.float64) / total
    return float(-(f * np.log2(f)).sum())


def generation_entropy(text: str) -> float:
    """GE of one text (ROME): mean over n in (2, 3) of weight_n * H_n with weights (2/3, 4/3); words and
    punctuation marks are tokens (ROME tokenises with nltk; this regex splits the same way on our texts)."""
    tokens = _WORD.findall(text)
    return float(np.mean([w * ngram_entropy(tokens, n) for n, w in zip(GE_ORDERS, GE_WEIGHTS)]))


def fluency(texts: Sequence[str]) -> float:
    """GE averaged over generations."""
    return _mean(np.array([generation_entropy(t) for t in texts], dtype=np.float64))
