"""Identifier forms of relation labels, shared by the world builder and the query language."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^0-9a-z]+")


def relation_name(label: str) -> str:
    """'educated at' -> 'educated_at'; 'position played on team / speciality' -> 'position_played_on_team_speciality'."""
    return _NON_WORD.sub("_", label.lower()).strip("_")
