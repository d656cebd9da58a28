"""kgedit.distributed without a process group: the ranks torchrun describes, shards, the timeout."""

from __future__ import annotations

import pytest

from kgedit.distributed import SINGLE, Ranks, main_first, ranks_from_env, shard, timeout, together
from kgedit.errors import KgeditError


def test_ranks_come_from_torchruns_variables_and_default_to_one_process():
    assert ranks_from_env({}) == SINGLE and not SINGLE.distributed and SINGLE.main
    ranks = ranks_from_env({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    assert (ranks.rank, ranks.world_size, ranks.local_rank, ranks.main, ranks.distributed) == (3, 4, 1, False, True)


@pytest.mark.parametrize("env", [{"RANK": "x"}, {"WORLD_SIZE": "-1"}, {"RANK": "2", "WORLD_SIZE": "2"},
                                 {"WORLD_SIZE": "0"}])
def test_inconsistent_rank_variables_are_an_error_with_a_hint(env):
    with pytest.raises(KgeditError) as info:
        ranks_from_env(env)
    assert "torchrun" in info.value.hint


def test_shards_deal_items_round_robin_and_together_cover_every_item_once():
    items = list(range(10))
    shards = [shard(items, Ranks(r, 3)) for r in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    assert sorted(sum(shards, [])) == items
    assert shard(items, SINGLE) == items


def test_the_process_group_timeout_is_a_positive_number_of_seconds(monkeypatch):
    monkeypatch.delenv("KGEDIT_DIST_TIMEOUT", raising=False)
    assert timeout() == 1800
    monkeypatch.setenv("KGEDIT_DIST_TIMEOUT", "45")
    assert timeout() == 45
    for bad in ("0", "soon", "inf"):
        monkeypatch.setenv("KGEDIT_DIST_TIMEOUT", bad)
        with pytest.raises(KgeditError, match="KGEDIT_DIST_TIMEOUT"):
            timeout()


def test_in_one_process_synchronisation_points_just_run_the_body():
    assert main_first(SINGLE, "testing", lambda: 42) == 42
    with pytest.raises(ValueError), together(SINGLE, "testing"):
        raise ValueError("the body's own error")
