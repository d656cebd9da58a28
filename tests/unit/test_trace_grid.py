"""The grid of causal tracing and its summaries (kgedit.trace.grid): cells, windows, token classes, averages."""

from __future__ import annotations

import numpy as np
import pytest

from kgedit.errors import KgeditError
from kgedit.trace.grid import (TOKEN_CLASSES, Cell, auto_window, check_window, class_average, grid_cells,
                               parse_kinds, peak_layer, token_classes, window_layers)


def test_window_scales_with_depth_like_rome_on_gpt2_xl():
    assert [auto_window(n) for n in (1, 2, 12, 24, 48)] == [1, 1, 3, 5, 10]


def test_window_is_centred_and_clipped_at_the_ends():
    assert window_layers(0, 3, 12) == (0, 1)
    assert window_layers(5, 3, 12) == (4, 5, 6)
    assert window_layers(11, 3, 12) == (10, 11)
    assert window_layers(5, 10, 48) == tuple(range(0, 10))
    assert window_layers(1, 1, 2) == (1,)


def test_a_window_wider_than_the_model_is_an_error():
    check_window(2, 2)
    with pytest.raises(KgeditError, match="more layers than the model has"):
        check_window(3, 2)


def test_grid_has_the_corrupted_run_then_one_cell_per_kind_token_and_layer():
    cells = grid_cells(("hidden", "mlp"), n_tokens=3, n_layers=4, window=3)
    assert cells[0] == Cell("hidden")
    assert len(cells) == 1 + 2 * 3 * 4
    assert cells[1] == Cell("hidden", (1,), (0,))
    assert cells[1 + 12 + 4 + 2] == Cell("mlp", (2,), (1, 2, 3))


def test_token_classes_follow_rome_figure_2():
    assert token_classes(6, 3) == [("first subject token",), ("middle subject tokens",), ("last subject token",),
                                   ("first subsequent token",), ("further tokens",), ("last token",)]
    # a one-token subject is its first and last token; a one-token relation is the first subsequent and last token
    assert token_classes(2, 1) == [("first subject token", "last subject token"),
                                   ("first subsequent token", "last token")]


def test_class_average_is_the_mean_over_prompts_of_the_mean_over_the_class_tokens():
    a = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]])           # 3 tokens: subject of 2, then the last token
    b = np.array([[5.0, 1.0], [0.0, 4.0]])                        # 2 tokens: subject of 1, then the last token
    mean, count = class_average([a, b], [token_classes(3, 2), token_classes(2, 1)])
    k = {name: i for i, name in enumerate(TOKEN_CLASSES)}
    assert mean[k["first subject token"]].tolist() == [3.0, 0.5]
    assert mean[k["last subject token"]].tolist() == [4.0, 0.5]
    assert mean[k["last token"]].tolist() == [0.0, 3.0]
    assert count[k["middle subject tokens"]] == 0 and mean[k["middle subject tokens"]].tolist() == [0.0, 0.0]
    assert peak_layer(mean) == 0


def test_kinds_are_parsed_in_order_and_a_misspelt_kind_is_an_error():
    assert parse_kinds("attn, hidden") == ("hidden", "attn")
    with pytest.raises(KgeditError, match="'mpl' is not a kind") as exc:
        parse_kinds("hidden,mpl")
    assert "Did you mean 'mlp'" in exc.value.hint
    with pytest.raises(KgeditError, match="names no kind"):
        parse_kinds(" , ")
