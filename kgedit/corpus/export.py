"""Export the documents for LM training: one document per record, in document_id order.

jsonl: one JSON object per line {"document_id", "resample", "subject_id", "n_sentences", "text"};
parquet: the same columns (zstd); txt: the text only, one document per line. The file is written
beside its destination and renamed over it on success, so a failure leaves no partial file. Same
database → byte-identical file (rows are ordered; no timestamps are written).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from kgedit import db
from kgedit.errors import KgeditError

FORMATS = ("jsonl", "parquet", "txt")
BATCH_ROWS = 65_536


def export_documents(con: db.Connection, out: str | os.PathLike[str], fmt: str, *, overwrite: bool = False) -> int:
    """Write every document to `out` in `fmt`; returns the number of documents written."""
    if fmt not in FORMATS:
        raise KgeditError(f"Unknown export format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
    db.require_tables(con, ("documents",), "corpus", "kgedit corpus generate --db <world.duckdb>")
    out = Path(out)
    if out.exists() and not overwrite:
        raise KgeditError(f"{out} already exists.", "Pass --overwrite to replace it, or choose another --out.")
    if not out.parent.is_dir():
        raise KgeditError(f"Folder {out.parent} does not exist.", "Create it first or choose another --out.")
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        n = _write(con, tmp, fmt)
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return n


def _write(con: db.Connection, path: Path, fmt: str) -> int:
    # A cursor of its own: the streaming reader must not share the connection with earlier,
    # partly fetched results (DuckDB refuses that).
    reader = con.cursor().sql(db.load_sql(f"corpus_export_{fmt}")).to_arrow_reader(BATCH_ROWS)
    n = 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                n += batch.num_rows
        return n
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for batch in reader:  # one loop step per batch of 65k documents; the lines are joined in C
            lines = batch.column(0).to_pylist()
            if lines:
                fh.write("\n".join(lines))
                fh.write("\n")
            n += batch.num_rows
    return n
