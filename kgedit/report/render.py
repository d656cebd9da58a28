"""Rows to text: a rich table, JSON records or CSV. Pure functions returning strings.

Values are printed literally: a cell, header or title reading "[bold]" is shown as typed, never as
rich markup. JSON is always valid JSON: non-finite floats (NaN, ±Infinity) become null.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "json", "csv")


def render_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table",
                *, title: str | None = None, width: int = 120) -> str:
    """Render a result set in one of FORMATS."""
    if fmt == "json":
        return to_json([dict(zip(columns, row)) for row in rows])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_text(v) for v in row] for row in rows])
        return buf.getvalue().rstrip("\n")
    if fmt == "table":
        return _rich_table(columns, rows, title=title, width=width)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


def _rich_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None, width: int) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Text, not str: rich would read "[/]" in a value as markup (and fail, or drop "[bold]").
    table = Table(title=None if title is None else Text(title), show_lines=False)
    for i, col in enumerate(columns):
        numeric = bool(rows) and all(isinstance(r[i], (int, float, Decimal)) and not isinstance(r[i], bool)
                                     for r in rows if r[i] is not None)
        table.add_column(Text(str(col)), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(Text(_text(v)) for v in row))
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None, emoji=False)
    console.print(table)
    return console.export_text().rstrip("\n")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_probability(value)
    return str(value)


def format_probability(value: float) -> str:
    """Probabilities and other floats: 6 significant digits, no float noise."""
    if math.isnan(value):
        return "nan"
    return f"{value:.6g}"


def to_json(value: Any, *, sort_keys: bool = False, ensure_ascii: bool = False) -> str:
    """`value` as indented JSON text that any JSON reader accepts.

    NaN and ±Infinity (which json.dumps would write as invalid NaN/Infinity; NaN is an empty split's
    score) become null; decimals become numbers; dates ISO text; bytes hex; other values (UUID,
    interval) their str(). Keys sorted with `sort_keys`; non-ASCII text escaped with `ensure_ascii`.
    """
    return json.dumps(_jsonable(value), ensure_ascii=ensure_ascii, indent=2, allow_nan=False, default=str,
                      sort_keys=sort_keys)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return _jsonable(float(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
