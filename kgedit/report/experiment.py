"""The experiment's report folder: report.md and report.html with the pretraining curves (paper
Fig. 3), the causal trace (ROME Fig. 1, with a [trace] stage), Tables 4/5 per editor, an editor
comparison plot and a per-case belief plot (paper Fig. 4: the LM's probability of each probe's object
before and after the edit against the Bayesian prior and posterior)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgedit import db
from kgedit.evaluate.case_set import PROBES
from kgedit.evaluate.counterfact import SCORES
from kgedit.evaluate.results import open_results, read_results
from kgedit.evaluate.tables import ACC_COLUMNS, BOOTSTRAP_RESAMPLES, COH_COLUMNS, LOGIC_COLUMNS, SPLIT_TITLES
from kgedit.report.columns import METRICS, arrow, better
from kgedit.report.html import Block, to_html, to_markdown
from kgedit.report.plots import plot_case, plot_editors
from kgedit.report.tables import HEADERS, percent, table_rows
from kgedit.tune.config import BAYES_TUNED

if TYPE_CHECKING:
    from kgedit.experiment.config import Experiment


def write_report(exp: Experiment, ckpt: Path, results: dict[str, Path], folder: Path, trace: Path | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    r = exp["report"]
    blocks: list[Block] = [("h1", f"kgedit experiment: {exp['experiment']['name']}"),
                           ("p", f"Configuration: {exp.source}; outputs in {exp.out}/.")]
    blocks += _pretraining(ckpt, folder)
    if trace is not None:
        blocks += _trace(trace, folder)
    tables, counterfact = {}, []
    for editor, path in results.items():
        found = read_results(path, match=r["match"], prob=r["prob"], weight=r["weight"])
        tables[editor] = found.tables
        cf, time = found.counterfact, found.runtime
        counterfact.append([editor, cf.n, *(percent(getattr(cf.post, c)) for c in SCORES[:-1]), f"{cf.post.GE:.2f}",
                            f"{time.mean:.3f}", f"{time.p50:.3f}", f"{time.p95:.3f}"])
    blocks.append(("h2", "Editing results (Tables 4/5)"))
    blocks.append(("p", f"Generative accuracy ({r['match']} match), probabilistic coherence (MAE of p_LM ({r['prob']}) "
                        f"to the Bayesian posterior at weight {r['weight']}), logical coherence (MAE). "
                        f"Accuracy: {better(ACC_COLUMNS)}; every other column: {better(COH_COLUMNS + LOGIC_COLUMNS)}. "
                        f"Under each value: its 95% bootstrap interval ({BOOTSTRAP_RESAMPLES} resamples of the "
                        f"split's cases). Cases: seed {exp['cases']['seed']}, the first {exp['evaluate']['cases']}. "
                        f"{BAYES_TUNED}"))
    for editor, split_tables in tables.items():
        blocks.append(("h2", f"Editor: {editor}"))
        for t in split_tables:
            blocks.append(("p", f"**{SPLIT_TITLES[t.split]}** (n = {t.n})"))
            blocks.append(("table", (["", *HEADERS], table_rows(t, paper=True))))
    if tables:
        blocks.append(("h2", "Editors compared"))
        plot_editors(tables, folder / "editors.png", PROBES,
                     {"acc": f"accuracy {arrow(ACC_COLUMNS)}", "coh": f"coherence error {arrow(COH_COLUMNS)}"},
                     {s: SPLIT_TITLES[s] for s in ("all_edit_requests", "downstream_answer_changes")})
        blocks.append(("img", ("editors.png", "Post-edit accuracy and coherence error per probe, by editor and split.")))
        blocks.append(("p", "CounterFact scores after the edit (ROME, over the edits that contradict the corpus; "
                            "in %, GE = fluency in bits) and seconds per edit:"))
        blocks.append(("table", (["editor", "n", *(METRICS[c].shown_header for c in SCORES), "s/edit mean", "p50", "p95"],
                                 counterfact)))
        case_plot = _case_plot(results, folder, r["case"], r["weight"])
        if case_plot:
            blocks.append(("h2", "One case (paper Fig. 4)"))
            blocks.append(("img", case_plot))
    (folder / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(to_html(blocks), encoding="utf-8")
    return folder / "report.md"


def _pretraining(ckpt: Path, folder: Path) -> list[Block]:
    from kgedit.lm.curves import LOG_FILE, PLOT_FILE, read_log

    if not (ckpt / LOG_FILE).is_file():
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


def _trace(trace: Path, folder: Path) -> list[Block]:
    """The [trace] stage: its summary, the averaged heatmaps and tables, and the first example's heatmaps."""
    from kgedit.trace.store import AVERAGE_PNG, read_summary

    s = read_summary(trace)
    blocks: list[Block] = [("h2", "Causal tracing (ROME Fig. 1)"), ("p", (
        f"{s['n_traced']} of {s['n_candidates']} fact prompts traced ({s['n_skipped']} skipped: answered wrong); "
        f"noise σ = {s['sigma']:.4g} on the subject's embeddings; average total effect {s['avg_total_effect']:.4f}; "
        f"window {s['window_layers']} of {s['n_layers']} layers; traced layer (peak average MLP indirect effect at "
        f"the last subject token, rome layer=trace): {s['traced_layer']}."))]
    shutil.copyfile(trace / AVERAGE_PNG, folder / AVERAGE_PNG)
    blocks.append(("img", (AVERAGE_PNG, "Average indirect effect of restoring each state, by token class and layer.")))
    for kind, by_class in s["average"].items():
        rows = [[name, s["class_counts"][name], *(f"{v:.4f}" for v in values)]
                for name, values in by_class.items() if s["class_counts"][name]]
        blocks.append(("p", f"**Average indirect effect: {kind}**"))
        blocks.append(("table", (["token class", "prompts", *(f"layer {l}" for l in range(s["n_layers"]))], rows)))
    example = min(trace.glob("trace_example_*.png"), key=lambda p: int(p.stem.rsplit("_", 1)[1]), default=None)
    if example is not None:
        shutil.copyfile(example, folder / example.name)
        blocks.append(("img", (example.name, "One traced prompt: p(object) with each state restored (* subject tokens).")))
    return blocks


def _case_plot(results: dict[str, Path], folder: Path, case_id: int | None, weight: str) -> tuple[str, str] | None:
    """Bars per probe: Bayesian prior and posterior of the post-edit label object, the LM before the
    edit and after each editor's edit. The case: the given one, else the first downstream-change case."""
    editors = list(results)
    con = open_results(results[editors[0]])
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
        con = open_results(results[editor])
        try:
            for phase, probe, role, logp in db.fetch(con, "SELECT phase, probe, role, logp FROM probe_scores "
                                                          "WHERE case_id = ?", [case_id])[1]:
                if labels.get(probe, (None,))[0] == role:
                    key = "LM pre-edit" if phase == "pre" else f"LM after {editor}"
                    lm.setdefault(key, {})[probe] = math.exp(logp)
        finally:
            con.close()
    series: dict[str, Any] = {"Bayes prior": {p: labels[p][3] for p in labels},
                              "Bayes posterior": {p: labels[p][4] for p in labels}, **lm}
    name = f"case_{case_id}.png"
    plot_case(series, {p: f"{p}\n{labels[p][2]}\n→ {labels[p][1]}" for p in PROBES if p in labels},
              f"Case {case_id}: edit \"{edit[0][0]}\"", folder / name)
    return name, (f"Case {case_id}: the probability of each probe's post-edit answer (the requested object on "
                  "s1r1, the Bayesian post-edit mode elsewhere) under the Bayesian model before and after the "
                  "edit, and under the LM before and after each editor's edit.")
