"""The pretraining curve: the training_log table (in <checkpoint>/training_log.duckdb); its plot,
PLOT_FILE beside it, is drawn by kgedit.report.plots.plot_curves.

The log lives beside the weights, not in the world database, so a long training never holds the
world database's write lock and a checkpoint folder is self-contained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

LOG_FILE = "training_log.duckdb"
PLOT_FILE = "training_curves.png"
COLUMNS = ("step", "tokens", "loss", "lr", "tokens_per_s", "gen_acc", "tf_acc", "not_acc", "and_acc",
           "or_acc", "elapsed_s")


def _open(out: Path):
    from kgedit import db

    con = db.connect(out / LOG_FILE)
    db.execute_script(con, "lm_training_log")
    return con


def append_row(out: Path, row: dict[str, Any]) -> None:
    con = _open(out)
    try:
        con.execute(f"INSERT OR REPLACE INTO training_log VALUES ({', '.join('?' * len(COLUMNS))})",
                    [row.get(c) for c in COLUMNS])
    finally:
        con.close()


def truncate_after(out: Path, step: int) -> None:
    """Drop rows logged after the checkpoint a resumed run restarts from (they will be redone)."""
    con = _open(out)
    try:
        con.execute("DELETE FROM training_log WHERE step > ?", [step])
    finally:
        con.close()


def read_log(out: Path) -> list[dict[str, Any]]:
    from kgedit import db

    if not (out / LOG_FILE).is_file():
        return []
    con = db.connect(out / LOG_FILE, read_only=True)
    try:
        columns, rows = db.fetch(con, "SELECT * FROM training_log ORDER BY step")
    finally:
        con.close()
    return [dict(zip(columns, r)) for r in rows]

