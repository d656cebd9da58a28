"""The query language of SPEC §5: parse (pure) -> plan (SQL text + bound parameters) -> answer."""

from kgedit.query.parser import QueryError, parse

__all__ = ["QueryError", "parse"]
