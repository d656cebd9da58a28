"""kgedit.evaluate.tables: each cell is the mean of per-case values (equal to the metric functions), and
its bootstrap interval is seeded, paired, and the same as resampling case by case."""

from __future__ import annotations

import numpy as np
import pytest

from kgedit.evaluate import metrics
from kgedit.evaluate.case_set import LOGICAL_KINDS, PROBES
from kgedit.evaluate.tables import (BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, COLUMNS, CaseArrays, bootstrap_intervals,
                                    case_values)


def _arrays(n: int, seed: int = 0) -> CaseArrays:
    rng = np.random.default_rng(seed)
    names = ["Paris", "Rome", "Oslo"]
    label = {(ph, p): [names[i] for i in rng.integers(0, 3, n)] for ph in ("pre", "post") for p in PROBES}
    generation = {k: [names[i] + ". more" for i in rng.integers(0, 3, n)] for k in label}
    return CaseArrays(np.arange(n), rng.random(n) < 0.5, rng.random(n) < 0.5, generation, label,
                      {k: rng.random(n) for k in label}, {k: rng.random(n) for k in label},
                      {ph: rng.random(n) for ph in ("pre", "post")},
                      {(ph, k): rng.random(n) for ph in ("pre", "post") for k in LOGICAL_KINDS},
                      list(names[:1]) * n, list(names[1:2]) * n)


def test_case_values_average_to_the_metric_functions():
    a = _arrays(30)
    mask = np.arange(30) % 3 != 0
    values = case_values(a, "post", mask, contains=False)
    assert values.shape == (20, len(COLUMNS))
    mean = dict(zip(COLUMNS, values.mean(axis=0)))
    t = {k: a.t[("post", k)][mask] for k in LOGICAL_KINDS}
    hits = [metrics.generation_matches(g, y) for g, y, m in zip(a.generation[("post", "s1r2")],
                                                                  a.label[("post", "s1r2")], mask) if m]
    assert mean["acc_s1r2"] == pytest.approx(np.mean(hits))
    assert mean["coh_s2r1"] == pytest.approx(metrics.probabilistic_coherence(a.p_lm[("post", "s2r1")][mask],
                                                                           a.p_bayes[("post", "s2r1")][mask]))
    assert mean["tf"] == pytest.approx(metrics.tf_coherence(a.p_lm_requested["post"][mask], t["tf_a"]))
    assert mean["neg"] == pytest.approx(metrics.negation_coherence(t["tf_a"], t["not_a"]))
    assert mean["and"] == pytest.approx(metrics.and_coherence(np.concatenate([t["and_ab"], t["and_ba"]]),
                                                              np.tile(t["tf_a"], 2), np.tile(t["tf_b"], 2)))
    assert mean["or"] == pytest.approx(metrics.or_coherence(t["or_ba"], t["tf_a"], t["tf_b"]))


def test_bootstrap_is_seeded_paired_and_equal_to_resampling_case_by_case():
    rng = np.random.default_rng(1)
    pre, post = rng.random((40, len(COLUMNS))), rng.random((40, len(COLUMNS)))
    ci = bootstrap_intervals(pre, post, key=2)
    assert ci == bootstrap_intervals(pre, post, key=2)
    assert ci != bootstrap_intervals(pre, post, key=3)
    for row, values in (("pre", pre), ("post", post), ("delta", post - pre)):
        for j, c in enumerate(COLUMNS):
            low, high = ci[row][c]
            assert low < values[:, j].mean() < high
    # the same draw, one resample at a time: which case each draw picks, then the mean of those cases
    draw = np.random.default_rng([BOOTSTRAP_SEED, 2]).multinomial(40, np.full(40, 1 / 40), size=BOOTSTRAP_RESAMPLES)
    means = np.array([np.repeat(post - pre, counts, axis=0)[:, 0].mean() for counts in draw])
    assert ci["delta"][COLUMNS[0]] == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])), abs=1e-12)
    same = bootstrap_intervals(pre, pre, key=0)["delta"]
    assert all(v == (0.0, 0.0) for v in same.values())


def test_bootstrap_interval_narrows_with_more_cases_and_is_nan_for_an_empty_split():
    rng = np.random.default_rng(0)
    few, many = (rng.random((n, len(COLUMNS))) < 0.5 for n in (20, 500))
    width = lambda v: np.subtract(*reversed(bootstrap_intervals(v, v, 0)["post"]["acc_s1r1"]))  # noqa: E731
    assert width(many.astype(float)) < width(few.astype(float))
    empty = np.empty((0, len(COLUMNS)))
    assert all(np.isnan(v).all() for v in bootstrap_intervals(empty, empty, 0)["pre"].values())
