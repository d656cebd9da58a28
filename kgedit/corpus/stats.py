"""The paper's Table 6 for this corpus: how many facts, sentences, documents, subjects, objects.

Token hook: when a table `corpus_token_counts` exists (written by the LM stage once a tokenizer is
trained), each of its rows adds a "tokens (<kind>)" row with its `n_tokens` (the row is named by a
`kind` or `tokenizer` column; without either, one "tokens" row with the sum). The paper's 204m is set
beside the `documents` row: the document stream, every copy.
"""

from __future__ import annotations

from kgedit import db

# Paper (Hase et al. 2024, Table 6) figures, for comparison.
PAPER = {"facts": 100_000, "atomic": 1_000_000, "tf": 1_000_000, "and_or_not": 400_000,
         "documents": 1_260_000, "tokens": 204_000_000, "subjects": 47_000, "relations": 10,
         "objects_world": 20_000}
ROWS = (("facts", "facts"), ("atomic", "atomic sentences"), ("tf", "true/false sentences"),
        ("and_or_not", "and/or/not sentences"), ("documents", "documents"), ("subjects", "subjects"),
        ("relations", "relations"), ("objects_world", "objects (K, the world)"),
        ("objects_named", "objects named in sentences"))
COLUMNS = ("quantity", "corpus", "paper")
TOKEN_TABLE = "corpus_token_counts"


def corpus_stats(con: db.Connection) -> tuple[tuple[str, ...], list[tuple[str, int, int | None]]]:
    """(columns, rows) of Table 6: quantity, this corpus's figure, the paper's figure (None if not given)."""
    db.require_tables(con, ("corpus_facts", "sentences", "documents"), "corpus",
                      "kgedit corpus generate --db <world.duckdb>")
    columns, (values,) = db.fetch(con, db.load_sql("corpus_stats"))
    found = dict(zip(columns, values))
    rows = [(label, int(found[key]), PAPER.get(key)) for key, label in ROWS]
    rows[5:5] = _token_rows(con)  # after documents, as in the paper
    return COLUMNS, rows


def _token_rows(con: db.Connection) -> list[tuple[str, int, int | None]]:
    if not db.table_exists(con, TOKEN_TABLE):
        return []
    columns, rows = db.fetch(con, f"SELECT * FROM {db.quote_identifier(TOKEN_TABLE)}")
    if "n_tokens" not in columns:
        return []
    value = columns.index("n_tokens")
    by = next((columns.index(c) for c in ("kind", "tokenizer") if c in columns), None)
    if by is None:
        return [("tokens", int(sum(row[value] for row in rows)), PAPER["tokens"])]
    # The paper's token figure counts the document stream (every copy), i.e. the 'documents' row.
    return [(f"tokens ({row[by]})", int(row[value]), PAPER["tokens"] if row[by] == "documents" else None)
            for row in rows]
