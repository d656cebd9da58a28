"""The experiment's report folder: report.md and report.html with the pretraining curves (paper
Fig. 3), Tables 4/5 per editor, an editor comparison plot and a per-case belief plot (paper Fig. 4:
the LM's probability of each probe's object before and after the edit against the Bayesian prior and
posterior)."""

from __future__ import annotations

import html
import math
import shutil
from pathlib import Path
from typing import Any

from kgedit import db
from kgedit.evaluate.cases import PROBES
from kgedit.evaluate.counterfact import SCORES, counterfact_table, runtime
from kgedit.evaluate.report import HEADERS, percent, table_rows
from kgedit.evaluate.tables import SPLIT_TITLES, compute_tables
from kgedit.experiment.config import Experiment

Block = tuple[str, Any]     # ("h1"|"h2"|"p", text) | ("table", (columns, rows)) | ("img", (file, caption))


def write_report(exp: Experiment, world_db: Path, ckpt: Path, results: dict[str, Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    r = exp["report"]
    blocks: list[Block] = [("h1", f"kgedit experiment: {exp['experiment']['name']}"),
                           ("p", f"Configuration: {exp.source}; outputs in {exp.out}/.")]
    blocks += _pretraining(ckpt, folder)
    tables, counterfact = {}, []
    for editor, path in results.items():
        con = db.connect(path / "results.duckdb", read_only=True)
        try:
            tables[editor] = compute_tables(con, match=r["match"], prob=r["prob"], weight=r["weight"])
            cf, time = counterfact_table(con), runtime(con)
        finally:
            con.close()
        counterfact.append([editor, cf.n, *(percent(getattr(cf.post, c)) for c in SCORES[:-1]), f"{cf.post.GE:.2f}",
                            f"{time.mean:.3f}", f"{time.p50:.3f}", f"{time.p95:.3f}"])
    blocks.append(("h2", "Editing results (Tables 4/5)"))
    blocks.append(("p", f"Generative accuracy ({r['match']} match), probabilistic coherence (MAE of p_LM ({r['prob']}) "
                        f"to the Bayesian posterior at weight {r['weight']}), logical coherence (MAE). "
                        "Accuracy: higher is better; every other column: lower is better."))
    for editor, split_tables in tables.items():
        blocks.append(("h2", f"Editor: {editor}"))
        for t in split_tables:
            blocks.append(("p", f"**{SPLIT_TITLES[t.split]}** (n = {t.n})"))
            blocks.append(("table", (["", *HEADERS], table_rows(t, paper=True))))
    if tables:
        blocks.append(("h2", "Editors compared"))
        blocks.append(("img", (_editor_plot(tables, folder / "editors.png"),
                               "Post-edit accuracy and coherence error per probe, by editor and split.")))
        blocks.append(("p", "CounterFact scores after the edit (ROME, over the edits that contradict the corpus; "
                            "in %, GE = fluency in bits) and seconds per edit:"))
        blocks.append(("table", (["editor", "n", *(f"{c} %" for c in SCORES[:-1]), "GE", "s/edit mean", "p50", "p95"],
                                 counterfact)))
        case_plot = _case_plot(results, folder, r["case"], r["weight"])
        if case_plot:
            blocks.append(("h2", "One case (paper Fig. 4)"))
            blocks.append(("img", case_plot))
    (folder / "report.md").write_text(_markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(_html(blocks), encoding="utf-8")
    return folder / "report.md"


def _pretraining(ckpt: Path, folder: Path) -> list[Block]:
    from kgedit.lm.curves import PLOT_FILE, read_log

    if not (ckpt / "training_log.duckdb").is_file():
        return []
    rows = read_log(ckpt)
    blocks: list[Block] = [("h2", "Pretraining (paper Fig. 3)")]
    if (ckpt / PLOT_FILE).is_file():
        shutil.copyfile(ckpt / PLOT_FILE, folder / PLOT_FILE)
        blocks.append(("img", (PLOT_FILE, "Loss and accuracies on corpus probes against training tokens.")))
    fmt = lambda v: "" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))  # noqa: E731
    cols = ["tokens", "loss", "gen_acc", "tf_acc", "not_acc", "and_acc", "or_acc", "tokens_per_s", "elapsed_s"]
    blocks.append(("table", (cols, [[fmt(row.get(c)) for c in cols] for row in rows])))
    return blocks


def _editor_plot(tables, path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    splits = ["all_edit_requests", "downstream_answer_changes"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharey="row")
    editors = list(tables)
    width = 0.8 / (len(editors) + 1)
    x = np.arange(len(PROBES))
    for col, split in enumerate(splits):
        for row, (metric, label) in enumerate((("acc", "accuracy ↑"), ("coh", "coherence error ↓"))):
            ax = axes[row][col]
            pre = next(t for t in tables[editors[0]] if t.split == split).pre
            ax.bar(x, [pre[f"{metric}_{p}"] for p in PROBES], width, label="pre-edit", color="0.7")
            for i, editor in enumerate(editors):
                post = next(t for t in tables[editor] if t.split == split).post
                ax.bar(x + (i + 1) * width, [post[f"{metric}_{p}"] for p in PROBES], width, label=f"{editor} post")
            ax.set_xticks(x + width * len(editors) / 2, PROBES)
            ax.set_ylim(0, 1)
            ax.set_ylabel(label)
            if row == 0:
                ax.set_title(SPLIT_TITLES[split])
    axes[0][0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _case_plot(results: dict[str, Path], folder: Path, case_id: int | None, weight: str):
    """Bars per probe: Bayesian prior and posterior of the post-edit label object, the LM before the
    edit and after each editor's edit. The case: the given one, else the first downstream-change case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    editors = list(results)
    con = db.connect(results[editors[0]] / "results.duckdb", read_only=True)
    try:
        if case_id is None:
            found = db.fetch(con, "SELECT min(case_id) FROM eval_cases JOIN edits USING (case_id) "
                                  "WHERE downstream_answer_changes")[1][0][0]
            case_id = found if found is not None else db.fetch(con, "SELECT min(case_id) FROM edits")[1][0][0]
        if case_id is None:
            return None
        post_role = "post_mode" if weight == "n_prime" else "post_mode_n"
        p_post = "p_n_prime" if weight == "n_prime" else "p_n"
        rows = db.fetch(con, f"""SELECT probe, role, object, prompt, p_pre, {p_post} FROM eval_case_probes
            WHERE case_id = ? AND ((probe = 's1r1' AND role = 'requested') OR (probe <> 's1r1' AND role = ?))
            ORDER BY probe""", [case_id, post_role])[1]
        edit = db.fetch(con, "SELECT edit_sentence FROM eval_cases WHERE case_id = ?", [case_id])[1]
    finally:
        con.close()
    if not rows or not edit:
        return None
    labels = {probe: (role, obj, prompt, pre, post) for probe, role, obj, prompt, pre, post in rows}
    lm: dict[str, dict[str, float]] = {}
    for editor in editors:
        con = db.connect(results[editor] / "results.duckdb", read_only=True)
        try:
            for phase, probe, role, logp in db.fetch(con, "SELECT phase, probe, role, logp FROM probe_scores "
                                                          "WHERE case_id = ?", [case_id])[1]:
                if labels.get(probe, (None,))[0] == role:
                    key = "LM pre-edit" if phase == "pre" else f"LM after {editor}"
                    lm.setdefault(key, {})[probe] = math.exp(logp)
        finally:
            con.close()
    series = {"Bayes prior": {p: labels[p][3] for p in labels}, "Bayes posterior": {p: labels[p][4] for p in labels},
              **lm}
    probes = [p for p in PROBES if p in labels]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(series)
    x = np.arange(len(probes))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(x + i * width, [values.get(p, 0.0) for p in probes], width, label=name)
    ax.set_xticks(x + width * (len(series) - 1) / 2,
                  [f"{p}\n{labels[p][2]}\n→ {labels[p][1]}" for p in probes], fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability of the object")
    ax.set_title(f"Case {case_id}: edit \"{edit[0][0]}\"", fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    name = f"case_{case_id}.png"
    fig.savefig(folder / name, dpi=110)
    plt.close(fig)
    return name, (f"Case {case_id}: the probability of each probe's post-edit answer (the requested object on "
                  "s1r1, the Bayesian post-edit mode elsewhere) under the Bayesian model before and after the "
                  "edit, and under the LM before and after each editor's edit.")


def _markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for kind, value in blocks:
        if kind == "h1":
            lines += [f"# {value}", ""]
        elif kind == "h2":
            lines += [f"## {value}", ""]
        elif kind == "p":
            lines += [value, ""]
        elif kind == "img":
            lines += [f"![{value[1]}]({value[0]})", "", f"*{value[1]}*", ""]
        elif kind == "table":
            cols, rows = value
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _html(blocks: list[Block]) -> str:
    e = html.escape
    body: list[str] = []
    for kind, value in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{e(value)}</{kind}>")
        elif kind == "p":
            text = e(value)
            while "**" in text:
                text = text.replace("**", "<b>", 1).replace("**", "</b>", 1)
            body.append(f"<p>{text}</p>")
        elif kind == "img":
            body.append(f'<figure><img src="{e(value[0])}" alt="{e(value[1])}"><figcaption>{e(value[1])}'
                        "</figcaption></figure>")
        elif kind == "table":
            cols, rows = value
            head = "".join(f"<th>{e(str(c))}</th>" for c in cols)
            cells = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
             "margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
             "img{max-width:100%}figcaption{font-style:italic;font-size:90%}")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>kgedit report</title>"
            f"<style>{style}</style></head><body>" + "\n".join(body) + "</body></html>\n")
