"""The generative model and samplers of the corpus stage, on hand-made integer worlds (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from kgedit.corpus.documents import build_documents, cut_documents
from kgedit.corpus.facts import Distributions, build_corpus_facts, select_facts
from kgedit.corpus.generative import (
    RelationObjects,
    WorldArrays,
    build_conditionals,
    draw_distractors,
    floor_count,
    g_grid,
)
from kgedit.corpus.sentences import MIN_MODAL_SAMPLES, draw_atomic_samples, draw_tf_labels
from kgedit.errors import KgeditError


def world(rows, n_objects, n_relations=2, downstream=(1,), partner=None):
    """rows: (subject, relation, object); relation 0 is upstream of relation 1 unless said otherwise."""
    partner = partner or {1: 0}
    rows = sorted(rows)
    s, r, o = (np.array(c, np.int32) for c in zip(*rows))
    by = {(a, b): c for a, b, c in rows}
    up = np.array([by.get((a, partner[b]), -1) if b in downstream else -1 for a, b, _ in rows], np.int32)
    return WorldArrays(subject=s, relation=r, object=o, is_downstream=np.isin(r, downstream),
                       upstream_object=up, upstream_relation=np.array([partner.get(b, -1) for b in r], np.int32),
                       n_subjects=int(s.max()) + 1, n_relations=n_relations, n_objects=n_objects)


def test_g_grid_is_whole_percentages_from_the_floor_to_one():
    assert g_grid(0.6).tolist() == list(range(60, 101))
    assert g_grid(0.75)[0] == 75 and g_grid(0.75)[-1] == 100


def test_floor_count_is_the_smallest_count_reaching_the_floor():
    rest = np.array([1, 2, 3, 10])
    assert floor_count(rest, 0.6).tolist() == [2, 3, 5, 15]  # ceil(1.5·rest)
    c = floor_count(rest, 0.6)
    assert np.all(c / (c + rest) >= 0.6) and np.all((c - 1) / (c - 1 + rest) < 0.6)


def test_conditional_mode_breaks_ties_to_the_lowest_object_and_is_floored():
    # Five subjects with U=object 0; D-objects 5, 5, 4, 4, 6 -> tie 4/5 -> mode 4; 2/5 < 0.6 -> 2 becomes ceil(3·1.5)=5.
    rows = [(i, 0, 0) for i in range(5)] + [(0, 1, 5), (1, 1, 5), (2, 1, 4), (3, 1, 4), (4, 1, 6)]
    cond = build_conditionals(world(rows, 7), 0.6)
    assert cond.mode.tolist() == [4]
    assert cond.objects.tolist() == [4, 5, 6]
    assert cond.counts.tolist() == [2, 2, 1] and cond.weights.tolist() == [5, 2, 1]


def test_conditional_already_above_the_floor_keeps_its_counts():
    rows = [(i, 0, 0) for i in range(5)] + [(i, 1, 3) for i in range(4)] + [(4, 1, 2)]
    cond = build_conditionals(world(rows, 4), 0.6)
    assert cond.weights.tolist() == cond.counts.tolist() == [1, 4]


def test_ground_truth_of_a_conditional_fact_becomes_the_mode():
    rows = [(i, 0, 0) for i in range(5)] + [(0, 1, 5), (1, 1, 5), (2, 1, 4), (3, 1, 4), (4, 1, 6)]
    facts, _, _ = build_corpus_facts(world(rows, 7), 10, 0.6, np.random.default_rng(0))
    down = facts.relation == 1
    assert set(facts.object[down].tolist()) == {4}
    assert np.allclose(facts.g[down], 5 / 8) and np.all(facts.distractor[down] == -1)
    assert np.all(facts.false_object[down] != 4) and set(facts.false_object[down].tolist()) <= {5, 6}


def test_distractor_is_another_object_of_the_same_relation():
    rows = [(i, 0, i % 4) for i in range(40)] + [(i, 1, 10 + i % 3) for i in range(0, 40, 2)]
    w = world(rows, 13, downstream=())
    rng = np.random.default_rng(1)
    d = draw_distractors(rng, RelationObjects.of(w), w.relation, w.object)
    assert np.all(d != w.object)
    assert set(d[w.relation == 0].tolist()) == {0, 1, 2, 3}
    assert set(d[w.relation == 1].tolist()) == {10, 11, 12}


def test_a_relation_with_one_object_takes_its_distractor_from_all_objects():
    rows = [(0, 0, 0), (1, 0, 0), (0, 1, 2), (1, 1, 3)]
    w = world(rows, 4, downstream=())
    d = draw_distractors(np.random.default_rng(0), RelationObjects.of(w), w.relation, w.object)
    assert np.all(d != w.object)


def test_integer_sampling_never_draws_a_zero_weight_and_follows_the_weights():
    dists = Distributions(offsets=np.array([0, 2, 5]), objects=np.array([7, 8, 1, 2, 3], np.int32),
                          weights=np.array([100, 0, 1, 2, 1]))
    rng = np.random.default_rng(0)
    a = dists.sample(rng, np.zeros(1000, np.int64))
    assert set(a.tolist()) == {7}
    b = dists.sample(rng, np.ones(40_000, np.int64))
    freq = np.bincount(b, minlength=4)[1:] / len(b)
    assert np.allclose(freq, [0.25, 0.5, 0.25], atol=0.01)


def two_point_world(n_subjects=400):
    rows = [(i, 0, i % 7) for i in range(n_subjects)] + [(i, 1, 10 + i % 5) for i in range(n_subjects)]
    return world(rows, 15, downstream=())


def test_atomic_samples_have_at_least_six_modal_objects_and_vary():
    facts, dists, _ = build_corpus_facts(two_point_world(), 800, 0.6, np.random.default_rng(3))
    samples = draw_atomic_samples(np.random.default_rng(4), facts, dists)
    hits = (samples == facts.object[:, None]).sum(axis=1)
    assert hits.min() >= MIN_MODAL_SAMPLES
    assert (hits == 6).any() and (hits == 10).any()
    others = samples != facts.object[:, None]
    assert np.all(samples[others] == np.broadcast_to(facts.distractor[:, None], samples.shape)[others])


def test_rejection_matches_the_conditioned_binomial():
    # g = 0.6 for every fact: the accepted hit counts follow Binomial(10, 0.6) conditioned on >= 6.
    facts, dists, _ = build_corpus_facts(two_point_world(2000), 4000, 0.999, np.random.default_rng(0))
    weights = dists.weights.copy()
    weights[-2 * len(facts):] = np.tile([60, 40], len(facts))
    dists = Distributions(dists.offsets, dists.objects, weights)
    hits = (draw_atomic_samples(np.random.default_rng(1), facts, dists) == facts.object[:, None]).sum(axis=1)
    from math import comb
    p = np.array([comb(10, k) * 0.6**k * 0.4 ** (10 - k) for k in range(6, 11)])
    p /= p.sum()
    observed = np.bincount(hits, minlength=11)[6:] / len(hits)
    assert np.allclose(observed, p, atol=0.025)


def test_tf_labels_are_true_with_g_for_the_modal_object_and_one_minus_g_otherwise():
    facts, dists, _ = build_corpus_facts(two_point_world(2000), 4000, 0.6, np.random.default_rng(5))
    rng = np.random.default_rng(6)
    samples = draw_atomic_samples(rng, facts, dists)
    labels = draw_tf_labels(rng, facts, samples)
    modal = samples == facts.object[:, None]
    g = np.broadcast_to(facts.g[:, None], samples.shape)
    for mask, p in ((modal, g), (~modal, 1 - g)):
        expected, sd = p[mask].sum(), np.sqrt((p[mask] * (1 - p[mask])).sum())
        assert abs(labels[mask].sum() - expected) < 4 * sd


def test_facts_are_taken_subject_by_subject_upstream_first():
    w = two_point_world(50)
    pick = select_facts(w, 41, np.random.default_rng(0))
    subjects = w.subject[pick]
    assert len(pick) == 41 and len(set(subjects[:40].tolist())) == 20
    assert w.relation[pick[-1]] == 0  # the cut subject keeps its upstream fact first


def test_asking_for_more_facts_than_exist_says_how_many_exist():
    with pytest.raises(KgeditError, match="only 100"):
        select_facts(two_point_world(50), 101, np.random.default_rng(0))


def test_documents_hold_at_most_n_sentences_of_one_subject_and_use_each_sentence_once():
    subject_rank = np.repeat(np.arange(4), [3, 10, 11, 25])
    order, offsets = cut_documents(subject_rank, np.random.default_rng(0).random(len(subject_rank)), 10)
    sizes = np.diff(offsets)
    assert sorted(order.tolist()) == list(range(len(subject_rank)))
    assert sizes.tolist() == [3, 10, 10, 1, 10, 10, 5]
    for a, b in zip(offsets[:-1], offsets[1:]):
        assert len(set(subject_rank[order[a:b]].tolist())) == 1


def test_document_text_joins_sentences_with_a_full_stop():
    import pyarrow as pa
    texts = pa.array(["A r x", '"A r y" is true', "B r z"])
    docs = build_documents(np.random.default_rng(0), texts, np.array([0, 0, 1]), resamples=2, max_sentences=10)
    assert docs.num_rows == 4 and docs["resample"].to_pylist() == [0, 0, 1, 1]
    first = docs["text"][0].as_py()
    assert first in ('A r x. "A r y" is true.', '"A r y" is true. A r x.')
    assert docs["text"][1].as_py() == "B r z."
