"""kgedit.report.render: values printed literally, JSON that any reader accepts."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from kgedit.report.render import render_rows, to_json


def _strict(text: str):
    def invalid(constant):
        raise AssertionError(f"invalid JSON constant {constant}")

    return json.loads(text, parse_constant=invalid)


@pytest.mark.parametrize("value", ["[/]", "[bold]x[/bold]", "[link=http://x]y[/link]", ":smile:", "[", "\\[a]"])
def test_table_prints_markup_like_values_literally(value):
    text = render_rows([value], [(value,)], "table", title=f"title {value}")
    assert text.count(value) == 3  # title, header, cell


def test_table_shows_non_finite_floats():
    text = render_rows(["x"], [(math.nan,), (math.inf,), (-math.inf,)], "table")
    assert "nan" in text and "inf" in text and "-inf" in text


def test_json_rows_turn_non_finite_floats_into_null():
    rows = [(math.nan, [math.inf, 1.0], {"k": -math.inf}, Decimal("2.50"))]
    assert _strict(render_rows(["a", "b", "c", "d"], rows, "json")) == [
        {"a": None, "b": [None, 1.0], "c": {"k": None}, "d": 2.5}]


def test_to_json_is_always_valid_json():
    import datetime as dt
    import uuid

    value = {"nan": math.nan, "when": dt.date(2024, 1, 2), "id": uuid.UUID(int=1), "gap": dt.timedelta(days=1),
             "raw": b"\x00\xff", "nested": ({"x": math.inf},)}
    assert _strict(to_json(value)) == {"nan": None, "when": "2024-01-02", "id": "00000000-0000-0000-0000-000000000001",
                                       "gap": "1 day, 0:00:00", "raw": "00ff", "nested": [{"x": None}]}


def test_to_json_sorts_keys_and_escapes_non_ascii_when_asked():
    value = {"b": "é", "a": math.nan}
    assert to_json(value) == '{\n  "b": "é",\n  "a": null\n}'
    assert to_json(value, sort_keys=True, ensure_ascii=True) == '{\n  "a": null,\n  "b": "\\u00e9"\n}'
