"""Per-rank parts of a sharded evaluation (torchrun): results/parts/rank-R.duckdb, one per rank, holding the
measured rows of that rank's cases; rank 0 merges them into results.duckdb once every rank is done.

A part is written like results.duckdb (a case's post-edit rows and its edit row in one transaction), so a
killed rank keeps its finished cases. Every run of the evaluation merges the parts it finds before it
shards what is missing, whatever the number of ranks, and the merge skips rows the results already
hold: nothing finished is lost or counted twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from kgedit import db
from kgedit.errors import KgeditError

PARTS = "parts"


def part_path(out: Path, rank: int) -> Path:
    return Path(out) / PARTS / f"rank-{rank}.duckdb"


@contextlib.contextmanager
def writing_part(out: Path, rank: int, world_size: int, key: str) -> Iterator[db.Connection]:
    """This rank's part of the evaluation fingerprinted `key`, open for writing (created when missing)."""
    path = part_path(out, rank)
    path.parent.mkdir(exist_ok=True)
    con = db.connect(path)
    try:
        if not db.fetch(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'part_info'")[1][0][0]:
            with db.transaction(con):
                db.execute_script(con, "results_part")
                con.execute("INSERT INTO part_info VALUES (?, ?, ?)", [key, rank, world_size])
        _check_part(con, path, key)
        yield con
    finally:
        con.close()


def merge_parts(con: db.Connection, out: Path, key: str) -> int:
    """Merge every part in out/parts into the results database `con` (of the evaluation `key`), one
    transaction per part, removing each part once merged; returns how many cases gained an edit row."""
    folder = Path(out) / PARTS
    if not folder.is_dir():
        return 0
    before = db.fetch(con, "SELECT count(*) FROM edits")[1][0][0]
    for path in sorted(folder.glob("rank-*.duckdb")):
        con.execute("ATTACH ? AS part (READ_ONLY)", [str(path)])
        try:
            _check_part(con, path, key, schema="part.")
            with db.transaction(con):
                db.execute_script(con, "results_merge_part")
        finally:
            con.execute("DETACH part")
        path.unlink()
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()         # only when empty: a user's file in it stays
    return db.fetch(con, "SELECT count(*) FROM edits")[1][0][0] - before


def _check_part(con: db.Connection, path: Path, key: str, schema: str = "") -> None:
    rows = db.fetch(con, f"SELECT fingerprint FROM {schema}part_info")[1]
    if rows != [(key,)]:
        raise KgeditError(f"{path} is a part of a different evaluation than the results beside it.",
                          f"Delete {path.parent} (and the results folder, to start over), or choose another --out.")
