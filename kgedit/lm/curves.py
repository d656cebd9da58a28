"""The pretraining curve: the training_log table (in <checkpoint>/training_log.duckdb) and its plot.

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
ACCURACIES = {"gen_acc": "generative", "tf_acc": "T/F", "not_acc": "not", "and_acc": "and", "or_acc": "or"}


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


def plot_curves(rows: list[dict[str, Any]], path: Path) -> None:
    """Loss and the five accuracies against training tokens (paper Fig. 3), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    tokens = [r["tokens"] for r in rows]
    ax_loss.plot(tokens, [r["loss"] for r in rows], marker=".")
    ax_loss.set(xlabel="training tokens", ylabel="train loss (nats/token)", title="Loss")
    for key, label in ACCURACIES.items():
        points = [(r["tokens"], r[key]) for r in rows if r.get(key) is not None]
        if points:
            ax_acc.plot(*zip(*points), marker=".", label=label)
    ax_acc.set(xlabel="training tokens", ylabel="accuracy", title="Probe accuracy", ylim=(0, 1.02))
    ax_acc.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
