"""SPEC §9 metrics with numbers worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kgedit.evaluate import metrics as m


def test_generation_is_cut_at_the_first_boundary_lowercased_and_stripped():
    assert m.normalize_generation(" Yale University. Ann occupation") == "yale university"
    assert m.normalize_generation(' architect" is true') == "architect"
    assert m.normalize_generation(" MIT</s> junk", eos="</s>") == "mit"
    assert m.normalize_generation("  Lions  ") == "lions"
    assert m.normalize_generation(" Juventus F.C.. Ann occupation") == "juventus f.c."


def test_a_dot_inside_the_label_is_the_labels_own():
    assert m.generation_matches(" Juventus F.C.", "Juventus F.C.")
    assert m.generation_matches(" Juventus F.C.. Ann", "Juventus F.C.")
    assert m.generation_matches(" St. Cloud", "St. Cloud")
    assert m.generation_matches(" Washington, D.C.</s>x", "Washington, D.C.", eos="</s>")
    assert not m.generation_matches(" Juventus F.C.", "Juventus F")        # a shorter name is not matched
    assert not m.generation_matches(" Juventus F", "Juventus F.C.")        # nor a cut one
    assert not m.generation_matches(" Boston Celtics", "Boston")


def test_exact_match_is_the_default_and_contains_is_an_option():
    gens = [" Yale. x", " Yale University.", " architect", " Lions fan."]
    labels = ["yale", "Yale", "Architect", "Lions"]
    assert m.generative_accuracy(gens, labels) == 0.5          # 1st and 3rd match exactly
    assert m.generative_accuracy(gens, labels, contains=True) == 1.0
    with pytest.raises(ValueError):
        m.generative_accuracy(gens, labels[:2])


def test_probabilistic_coherence_is_mean_absolute_error():
    assert m.probabilistic_coherence([0.9, 0.2, 0.5], [0.5, 0.4, 0.5]) == pytest.approx((0.4 + 0.2 + 0) / 3)
    assert math.isnan(m.probabilistic_coherence([], []))


def test_logical_coherence_uses_each_cases_own_values():
    t_a, t_b = [0.8, 0.5], [0.5, 0.2]
    assert m.tf_coherence([0.6, 0.5], t_a) == pytest.approx((0.2 + 0.0) / 2)
    assert m.negation_coherence(t_a, [0.3, 0.5]) == pytest.approx((abs(0.8 - 0.7) + 0.0) / 2)
    # or: case 1 expects .8+.5-.4 = .9, case 2 expects .5+.2-.1 = .6
    assert m.or_coherence([0.9, 0.7], t_a, t_b) == pytest.approx((0.0 + 0.1) / 2)
    # and: case 1 expects .4, case 2 expects .1 (mixing cases would expect .16 / .25)
    assert m.and_coherence([0.5, 0.1], t_a, t_b) == pytest.approx((0.1 + 0.0) / 2)
    with pytest.raises(ValueError):
        m.and_coherence([0.5], t_a, t_b)


def test_splits():
    outputs_request = [False, True, False, False]
    changes = [True, True, False, True]
    np.testing.assert_array_equal(m.all_edit_requests(outputs_request), [True, False, True, True])
    np.testing.assert_array_equal(m.downstream_answer_changes_split(outputs_request, changes),
                                  [True, False, False, True])
    np.testing.assert_array_equal(m.fixing_errors([False, False, True, True], [True, False, True, False]),
                                  [True, False, False, False])


def test_counterfact_scores():
    es, em = m.success_and_magnitude([0.6, 0.1, 0.5], [0.2, 0.3, 0.4])
    assert es == pytest.approx(2 / 3) and em == pytest.approx((0.4 - 0.2 + 0.1) / 3)
    assert m.counterfact_score(1.0, 0.5, 0.5) == pytest.approx(3 / (1 + 2 + 2))
    assert m.counterfact_score(1.0, 0.0, 0.5) == 0.0


def test_generation_entropy_rome_weighting():
    # "a b a b": bigrams ab, ba, ab -> H2 = h(1/3) = 0.918296; trigrams aba, bab -> H3 = 1.
    h2 = -(2 / 3 * math.log2(2 / 3) + 1 / 3 * math.log2(1 / 3))
    assert m.ngram_entropy(["a", "b", "a", "b"], 2) == pytest.approx(h2)
    assert m.ngram_entropy(["a", "b", "a", "b"], 3) == pytest.approx(1.0)
    assert m.generation_entropy("a b a b") == pytest.approx((2 / 3 * h2 + 4 / 3 * 1.0) / 2)
    assert m.generation_entropy("a b a b") == pytest.approx(0.9727653, abs=1e-7)
    assert m.generation_entropy("word") == 0.0                 # no bigrams at all
    assert m.generation_entropy("x x x x x") == 0.0            # pure repetition
    assert m.fluency(["a b a b", "x x x x x"]) == pytest.approx(0.9727653 / 2, abs=1e-7)
    # punctuation is a token: "a, b" has bigrams (a ,) (, b)
    assert m.ngram_entropy(m._WORD.findall("a, b"), 2) == pytest.approx(1.0)
