"""The synthetic generator (SPEC §1.5): deterministic, Wikidata-shaped, with a real dependency."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kgedit.world import synthetic_names
from kgedit.world.synthetic import KINDS, RELATIONS, generate

WORLD = generate(1000, seed=0)


def test_same_seed_gives_identical_arrays_and_another_seed_differs():
    again = generate(1000, seed=0)
    for field in ("names", "kind", "fact_subject", "fact_relation", "fact_object"):
        assert np.array_equal(getattr(WORLD, field), getattr(again, field))
    other = generate(1000, seed=1)
    assert not np.array_equal(WORLD.fact_object[:200], other.fact_object[:200])


def test_every_subject_has_two_or_three_facts_about_two_and_a_half_on_average():
    per_subject = np.bincount(WORLD.fact_subject - WORLD.n_objects_pool)
    assert len(per_subject) == 1000
    assert set(per_subject) <= {2, 3}
    assert 2.4 <= per_subject.mean() <= 2.6


def test_one_object_per_subject_and_relation():
    keys = Counter(zip(WORLD.fact_subject.tolist(), WORLD.fact_relation.tolist()))
    assert max(keys.values()) == 1


def test_about_twenty_percent_of_facts_are_downstream_with_upstream_present():
    have = set(zip(WORLD.fact_subject.tolist(), WORLD.fact_relation.tolist()))
    downstream = [(s, r) for s, r in have if r % 2 == 1]
    with_up = sum((s, r - 1) in have for s, r in downstream)
    share = with_up / len(WORLD.fact_subject)
    assert 0.17 <= share <= 0.23


def test_objects_are_type_consistent():
    for r, (_, _, object_type) in enumerate(RELATIONS):
        objects = WORLD.fact_object[WORLD.fact_relation == r]
        assert np.isin(objects, WORLD.pools[object_type]).all(), object_type
    # both country relations draw from the same pool of countries
    assert RELATIONS[3][2] == RELATIONS[9][2] == "country"


def test_profiles_keep_people_and_venues_apart():
    subject_kind = WORLD.kind[WORLD.fact_subject - WORLD.n_objects_pool]
    venue_relations = set(WORLD.fact_relation[subject_kind == KINDS.index("venue")].tolist())
    person_relations = set(WORLD.fact_relation[subject_kind == KINDS.index("person")].tolist())
    assert venue_relations == {6, 7, 8, 9}
    assert person_relations == {0, 1, 2, 3}


def test_names_are_unique_and_readable():
    assert len(set(WORLD.names.tolist())) == len(WORLD.names)
    subjects = WORLD.names[WORLD.n_objects_pool:]
    people = subjects[WORLD.kind != KINDS.index("venue")]
    assert all(len(n.split(" ")) == 2 for n in people)  # 'Arthur Green' at this size
    venues = subjects[WORLD.kind == KINDS.index("venue")]
    assert all(n.split(" ")[-1].lower() in {t.split(" ")[-1] for t in synthetic_names.VENUE_TYPES} for n in venues)
    universities = WORLD.names[WORLD.pools["university"]]
    assert any(n.startswith("University of ") for n in universities)


def test_downstream_object_depends_on_the_upstream_object():
    # For subjects with educated at and occupation: knowing the university makes the occupation far
    # more predictable than its marginal (each university has favourite occupations).
    have = {(s, r): o for s, r, o in zip(WORLD.fact_subject, WORLD.fact_relation, WORLD.fact_object)}
    pairs = [(have[(s, 0)], have[(s, 1)]) for (s, r) in have if r == 0 and (s, 1) in have]
    assert len(pairs) > 50
    by_university: dict[int, Counter] = {}
    for u, d in pairs:
        by_university.setdefault(u, Counter())[d] += 1
    conditional_hit = sum(c.most_common(1)[0][1] for c in by_university.values()) / len(pairs)
    marginal_hit = Counter(d for _, d in pairs).most_common(1)[0][1] / len(pairs)
    assert conditional_hit > marginal_hit + 0.3


@pytest.mark.parametrize("subjects", [2, 7, 50_000])
def test_names_stay_unique_at_any_size(subjects):
    world = generate(subjects, seed=3)
    assert len(np.unique(world.names)) == len(world.names)


def test_people_names_past_the_plain_combinations_get_middle_initials():
    base = len(synthetic_names.FIRST) * len(synthetic_names.LAST)
    assert list(synthetic_names.people(np.array([0, base]))) == ["Arthur Green", "Arthur A. Green"]
