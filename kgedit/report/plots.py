"""Every figure kgedit draws, as a PNG at the path it is given: the pretraining curves (paper Fig. 3),
the degradation curve of sequential editing, editors compared, and one case's beliefs (paper Fig. 4).
Pure: plain values in, a file out; matplotlib is imported only when a figure is drawn."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

ACCURACIES = {"gen_acc": "generative", "tf_acc": "T/F", "not_acc": "not", "and_acc": "and", "or_acc": "or"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(rows: list[dict[str, Any]], path: Path) -> None:
    """Loss and the five accuracies against training tokens (paper Fig. 3; rows of the training log)."""
    plt = _pyplot()
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


def plot_degradation(result: dict[str, Any], path: Path) -> None:
    """Accuracy against the number of cumulative edits (Li et al.'s degradation curve; a sequential
    run's result)."""
    plt = _pyplot()
    points = result["points"]
    x = [p["n_edits"] for p in points]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    series = {"heldout_gen_acc": "held-out facts (generative)", "tf_acc": "held-out T/F sentences",
              "not_acc": "held-out negations", "edits_retained": "edited facts retained"}
    for key, label in series.items():
        pts = [(n, p[key]) for n, p in zip(x, points) if p[key] is not None]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=label, linestyle="--" if key == "edits_retained" else "-")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xticks(x, [str(n) for n in x])
    ax.minorticks_off()
    ax.set(xlabel="edits applied (no reset)", ylabel="accuracy", ylim=(0, 1.02),
           title=f"Degradation under sequential {result['config']['editor']} edits")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_editors(tables: dict[str, list], path: Path, probes: Sequence[str], rows: dict[str, str],
                 splits: dict[str, str]) -> None:
    """Pre-edit and each editor's post-edit values per probe: a row of panels per metric prefix in `rows`
    (prefix -> axis label), a column per split in `splits` (split -> title); `tables` maps each editor
    to its Tables 4/5 (kgedit.evaluate.tables.SplitTable), pre-edit values from the first editor's."""
    import numpy as np

    plt = _pyplot()
    fig, axes = plt.subplots(len(rows), len(splits), figsize=(11, 7), sharey="row")
    editors = list(tables)
    width = 0.8 / (len(editors) + 1)
    x = np.arange(len(probes))
    for col, (split, title) in enumerate(splits.items()):
        for row, (metric, label) in enumerate(rows.items()):
            ax = axes[row][col]
            pre = next(t for t in tables[editors[0]] if t.split == split).pre
            ax.bar(x, [pre[f"{metric}_{p}"] for p in probes], width, label="pre-edit", color="0.7")
            for i, editor in enumerate(editors):
                post = next(t for t in tables[editor] if t.split == split).post
                ax.bar(x + (i + 1) * width, [post[f"{metric}_{p}"] for p in probes], width, label=f"{editor} post")
            ax.set_xticks(x + width * len(editors) / 2, probes)
            ax.set_ylim(0, 1)
            ax.set_ylabel(label)
            if row == 0:
                ax.set_title(title)
    axes[0][0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_case(series: dict[str, dict[str, float]], ticks: dict[str, str], title: str, path: Path) -> None:
    """Grouped bars: per probe (the keys of `ticks`, in order, each with its tick label) one bar per
    series (name -> probe -> probability; a missing probe counts 0)."""
    import numpy as np

    plt = _pyplot()
    probes = list(ticks)
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(series)
    x = np.arange(len(probes))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + i * width, [values.get(p, 0.0) for p in probes], width, label=name)
    ax.set_xticks(x + width * (len(series) - 1) / 2, list(ticks.values()), fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability of the object")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


TRACE_COLOURS = {"hidden": "Purples", "mlp": "Greens", "attn": "Reds"}


def plot_trace(panels: dict[str, Any], rows: Sequence[str], value: str, title: str, path: Path) -> None:
    """Causal-tracing heatmaps side by side (ROME Fig. 1), one per kind: `panels` maps hidden / mlp /
    attn to a [rows, layers] array of `value`; `rows` labels the rows (tokens or token classes)."""
    plt = _pyplot()
    n_rows, n_layers = next(iter(panels.values())).shape
    fig, axes = plt.subplots(1, len(panels), figsize=(2.2 + 2.8 * len(panels) * max(1.0, n_layers / 8),
                                                      1.2 + 0.32 * n_rows), squeeze=False)
    titles = {"hidden": "single restored layer", "mlp": "restored MLP (window)", "attn": "restored attention (window)"}
    for ax, (kind, values) in zip(axes[0], panels.items()):
        image = ax.pcolormesh(values, cmap=TRACE_COLOURS[kind], vmin=min(0.0, float(values.min())))
        ax.invert_yaxis()
        ax.set_yticks([i + 0.5 for i in range(n_rows)], list(rows) if ax is axes[0][0] else [""] * n_rows, fontsize=8)
        ax.set_xticks([l + 0.5 for l in range(n_layers)], [str(l) for l in range(n_layers)], fontsize=7)
        ax.set_xlabel("layer")
        ax.set_title(titles[kind], fontsize=9)
        fig.colorbar(image, ax=ax).set_label(value, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_tradeoff(neighbour_drop: Sequence[float], goal: Sequence[float], feasible: Sequence[bool], chosen: int,
                  path: Path, *, title: str) -> None:
    """The search's trade-off: per trial the post-edit s1r2 accuracy on downstream answer changes against
    the larger neighbour (s2r1/s2r2) accuracy drop against the unedited model, feasible trials filled, the chosen one starred, and
    the Pareto front (no other trial has a smaller drop and a higher accuracy) as a line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for ok, label, face in ((True, "feasible", "C0"), (False, "violates a constraint", "none")):
        pts = [(x, y) for x, y, f in zip(neighbour_drop, goal, feasible) if f == ok]
        if pts:
            ax.scatter(*zip(*pts), label=label, facecolors=face, edgecolors="C0")
    front, best = [], float("-inf")
    for x, y in sorted(zip(neighbour_drop, goal), key=lambda p: (p[0], -p[1])):
        if y > best:
            front.append((x, y))
            best = y
    ax.plot(*zip(*front), color="C1", linestyle="--", label="Pareto front")
    ax.scatter([neighbour_drop[chosen]], [goal[chosen]], marker="*", s=220, color="C3", label="chosen", zorder=3)
    ax.axvline(0.01, color="0.6", linewidth=0.8)
    ax.set(xlabel="neighbour accuracy drop vs no edit (max of s2r1, s2r2; all edit requests)",
           ylabel="post-edit s1r2 accuracy (downstream changes)", ylim=(0, 1.02), title=title)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
