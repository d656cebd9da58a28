"""The case sampler on hand-made code arrays (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from kgedit.cases.sampling import CaseDraw, ConditionalModes, TrainingFacts, choose_requests, draw_cases
from kgedit.errors import KgeditError

# relations: 0 = U (upstream, partner 1), 1 = D (downstream, partner 0), 2 = X (upstream, partner 3), 3 = Y
# subjects 0..3: s0 {U, D}, s1 {U, D, X}, s2 {U, X}, s3 {X}  (s3 has a single relation: never eligible)
FACTS = [(0, 0, 10, 11), (0, 1, 20, 21), (1, 0, 12, 10), (1, 1, 21, 20), (1, 2, 30, 31),
         (2, 0, 10, 12), (2, 2, 31, 30), (3, 2, 30, 32)]
PARTNER = {0: 1, 1: 0, 2: 3, 3: 2}


def facts() -> TrainingFacts:
    a = np.array(FACTS)
    return TrainingFacts(subject=a[:, 0], relation=a[:, 1], partner=np.array([PARTNER[r] for r in a[:, 1]]),
                         upstream=np.isin(a[:, 1], [0, 2]), object=a[:, 2], false_object=a[:, 3])


def test_structure_of_drawn_cases():
    f = facts()
    for seed in range(20):
        d = draw_cases(f, 4, 3, np.random.default_rng(seed))
        s1 = f.subject[d.fact]
        assert len(set(s1)) == 3 and 3 not in s1
        for i in range(3):
            r1, r2, s2 = f.relation[d.fact[i]], d.second_relation[i], d.other_subject[i]
            assert s2 != s1[i] and r2 != r1
            has = {(s, r) for s, r, *_ in FACTS}
            assert (s2, r1) in has and (s2, r2) in has and (s1[i], r2) in has
            # an upstream fact whose subject has the downstream partner always probes it
            if f.upstream[d.fact[i]] and (s1[i], PARTNER[r1]) in has:
                assert d.linked[i] and r2 == PARTNER[r1]
            assert f.subject[d.b_fact[i]] != s1[i]


def test_too_many_cases_names_how_many_are_possible():
    with pytest.raises(KgeditError, match="only 3 corpus subjects are eligible") as err:
        draw_cases(facts(), 4, 4, np.random.default_rng(0))
    assert "--n 3" in err.value.hint


def _draw(linked, coin, key, reinforce=(True,)) -> CaseDraw:
    n = len(linked)
    return CaseDraw(fact=np.zeros(n, int), second_relation=np.ones(n, int), linked=np.array(linked),
                    other_subject=np.ones(n, int), reinforce=np.array(reinforce * n)[:n],
                    downstream_coin=np.array(coin), value_key=np.array(key), b_fact=np.full(n, 2),
                    b_true=np.ones(n, bool), n_eligible_subjects=3)


def test_downstream_rule_picks_only_values_whose_mode_differs():
    # conditionals of U (relation 0): u=10 -> mode 20, u=11 -> mode 21, u=12 -> mode 20, u=13 -> mode 22
    modes = ConditionalModes(upstream=np.array([0, 0, 0, 0]), value=np.array([10, 12, 11, 13]),
                             mode=np.array([20, 20, 21, 22]))
    # current answer 20: candidates are u=11 and u=13 (in block order), key picks one of the two.
    for key, want in ((0.0, 11), (0.49, 11), (0.5, 13), (0.99, 13)):
        req, rule = choose_requests(facts(), _draw([True], [True], [key]), np.array([20]), modes, 40)
        assert (req[0], rule[0]) == (want, 2)
    # current answer 21: candidates 10, 12, 13
    req, _ = choose_requests(facts(), _draw([True] * 3, [True] * 3, [0.1, 0.5, 0.9]), np.array([21] * 3), modes, 40)
    assert req.tolist() == [10, 12, 13]
    # coin down, or not linked: o* (reinforce) / the false version
    req, rule = choose_requests(facts(), _draw([True, False], [False, True], [0.5, 0.5], (True, False)),
                                np.array([20, -1]), modes, 40)
    assert req.tolist() == [10, 11] and rule.tolist() == [0, 1]


def test_downstream_rule_falls_back_when_every_mode_equals_the_current_answer():
    modes = ConditionalModes(upstream=np.array([0, 0, 2]), value=np.array([10, 12, 30]), mode=np.array([20, 20, 21]))
    req, rule = choose_requests(facts(), _draw([True], [True], [0.7], (False,)), np.array([20]), modes, 40)
    assert (req[0], rule[0]) == (11, 1)
