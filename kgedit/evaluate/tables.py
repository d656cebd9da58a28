"""Tables 4/5 of the paper from a results database (SPEC §9), computed with kgedit.evaluate.metrics.

Per split, rows pre / post / delta; columns generative accuracy and probabilistic coherence (MAE
against the Bayesian target) on s1r1 s1r2 s2r1 s2r2, then logical coherence TF, neg, and, or.
Pre-edit scores use each probe's corpus ground truth and the Bayesian belief before the edit;
post-edit scores use the requested object on s1r1 and the Bayesian modal object after the edit on
the others, with the Bayesian belief after the edit (weight n' as in the paper, or n).

A fourth row, `unedited` ("no edit"), scores the model *before* the edit against the post-edit
targets: what an editor that changes nothing would get. The post-edit targets of s2r1/s2r2 are the
Bayesian modes, which differ from the corpus ground truth the pre row uses for a few percent of
neighbours (noisy evidence), and shared conditionals move with the edit (SPEC §4): so even a perfectly
local edit has post < pre there, and post vs unedited is the editor's own effect on the neighbours.

Every cell is the mean of a per-case value over the split's cases (kgedit.evaluate.metrics; `and`
averages a case's two orders), so each cell has a 95% percentile-bootstrap interval: the split's
cases are resampled with replacement (BOOTSTRAP_RESAMPLES times, a generator seeded by BOOTSTRAP_SEED
and the split), the same draw for pre, post and delta (paired), the probes and the model fixed.
Vectorised: one [resamples x cases] count matrix times the [cases x columns] values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.evaluate import metrics
from kgedit.evaluate.case_set import PROBES

SPLITS = ("all_edit_requests", "downstream_answer_changes", "fixing_errors")
SPLIT_TITLES = {"all_edit_requests": "All edit requests",
                "downstream_answer_changes": "Edit requests w/ downstream answer changes",
                "fixing_errors": "Fixing errors w.r.t. pretraining facts"}
ACC_COLUMNS = tuple(f"acc_{p}" for p in PROBES)
COH_COLUMNS = tuple(f"coh_{p}" for p in PROBES)
LOGIC_COLUMNS = ("tf", "neg", "and", "or")
COLUMNS = ACC_COLUMNS + COH_COLUMNS + LOGIC_COLUMNS
MATCHES = ("exact", "contains")
PROBS = ("raw", "norm")
WEIGHTS = ("n_prime", "n")
ROWS = ("pre", "post", "delta")
UNEDITED = "unedited"        # the extra row: the pre-edit model against the post-edit targets
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
LEVEL = 0.95

# The paper's Table 4/5 (mistral-83m, LoRA, n'): rows pre, post per split, columns as COLUMNS.
PAPER = {
    "all_edit_requests": {"pre": (.96, .93, .92, .92, .23, .24, .24, .24, .40, .22, .34, .21),
                          "post": (1.00, .76, .91, .92, .05, .27, .23, .24, .52, .23, .34, .21)},
    "downstream_answer_changes": {"pre": (.90, .97, .91, .98, .20, .34, .21, .34, .38, .22, .34, .22),
                                  "post": (1.00, .01, .90, .98, .04, .59, .20, .34, .53, .23, .34, .22)},
    "fixing_errors": {"pre": (.00, 1.00, .83, .93, .26, .23, .22, .23, .33, .22, .30, .20),
                      "post": (1.00, .97, .85, .95, .05, .24, .23, .23, .54, .22, .30, .20)},
}


@dataclass(frozen=True)
class SplitTable:
    split: str
    n: int
    pre: dict[str, float]
    post: dict[str, float]
    # row (pre, post, delta, unedited) -> column -> (low, high): the 95% bootstrap interval over the split's cases
    ci: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    unedited: dict[str, float] = field(default_factory=dict)   # the pre-edit model against the post-edit targets

    @property
    def delta(self) -> dict[str, float]:
        return {c: self.post[c] - self.pre[c] for c in COLUMNS}

    def as_dict(self) -> dict:
        return {"split": self.split, "n": self.n, "pre": self.pre, "post": self.post, "delta": self.delta,
                "unedited": self.unedited,
                "ci95": {row: {c: list(v) for c, v in cols.items()} for row, cols in self.ci.items()},
                "ci95_resamples": {"what": "cases of the split, with replacement", "n": BOOTSTRAP_RESAMPLES,
                                   "seed": BOOTSTRAP_SEED}}


@dataclass(frozen=True)
class CaseArrays:
    """Everything the tables need, one entry per finished case (aligned arrays)."""
    case_ids: np.ndarray
    reinforces: np.ndarray
    downstream_changes: np.ndarray
    generation: dict[tuple[str, str], list[str]]       # (phase, probe) -> generations
    label: dict[tuple[str, str], list[str]]            # (phase, probe) -> object name to match
    p_lm: dict[tuple[str, str], np.ndarray]            # (phase, probe) -> p_LM of the label object
    p_bayes: dict[tuple[str, str], np.ndarray]         # (phase, probe) -> Bayesian target of it
    p_lm_requested: dict[str, np.ndarray]              # phase -> p_LM(o_req | s1 r1)
    t: dict[tuple[str, str], np.ndarray]               # (phase, kind) -> T_X
    requested: list[str]                               # o_req names
    ground_truth: list[str]                            # s1r1 ground-truth names


def check_options(match: str, prob: str, weight: str) -> None:
    for value, allowed, flag in ((match, MATCHES, "--match"), (prob, PROBS, "--prob"), (weight, WEIGHTS, "--weight")):
        if value not in allowed:
            raise KgeditError(f"{flag} must be one of {', '.join(allowed)} (got {value!r}).")


def load_arrays(con: db.Connection, *, prob: str = "raw", weight: str = "n_prime") -> CaseArrays:
    check_options("exact", prob, weight)
    post_role = "post_mode" if weight == "n_prime" else "post_mode_n"
    _, rows = db.fetch(con, db.load_sql("results_table_cases"), {"weight": weight})
    case_ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {c: i for i, c in enumerate(case_ids.tolist())}
    n = len(case_ids)
    _, prow = db.fetch(con, db.load_sql("results_table_labels"),
                       {"prob": prob, "weight": weight, "post_role": post_role})
    label: dict = {(ph, p): [""] * n for ph in ("pre", "post") for p in PROBES}
    p_lm: dict = {(ph, p): np.full(n, np.nan) for ph in ("pre", "post") for p in PROBES}
    p_bayes: dict = {(ph, p): np.full(n, np.nan) for ph in ("pre", "post") for p in PROBES}
    p_req = {ph: np.full(n, np.nan) for ph in ("pre", "post")}
    p_lm[(UNEDITED, "s1r1")] = p_req["pre"]           # p_LM before the edit of each post-edit label object
    p_lm.update({(UNEDITED, p): np.full(n, np.nan) for p in PROBES if p != "s1r1"})
    for case_id, phase, probe, role, p, obj, pb in prow:
        i = index[case_id]
        if probe == "s1r1" and role == "requested":
            p_req[phase][i] = p
        post_label = role == ("requested" if probe == "s1r1" else post_role)
        if phase == "pre" and post_label and probe != "s1r1":
            p_lm[(UNEDITED, probe)][i] = p
        is_label = (role == "ground_truth") if phase == "pre" else post_label
        if is_label:
            label[(phase, probe)][i], p_lm[(phase, probe)][i], p_bayes[(phase, probe)][i] = obj, p, pb
    _, grows = db.fetch(con, db.load_sql("results_table_generations"), {"probes": list(PROBES)})
    generation: dict = {(ph, p): [""] * n for ph in ("pre", "post") for p in PROBES}
    for case_id, phase, probe, text in grows:
        generation[(phase, probe)][index[case_id]] = text
    _, trows = db.fetch(con, db.load_sql("results_table_logical"))
    t: dict = {}
    for case_id, phase, kind, value_t in trows:
        t.setdefault((phase, kind), np.full(n, np.nan))[index[case_id]] = value_t
    # The unedited row: the pre-edit generations, p_LM and T values against the post-edit labels and targets.
    for probe in PROBES:
        generation[(UNEDITED, probe)] = generation[("pre", probe)]
        label[(UNEDITED, probe)] = label[("post", probe)]
        p_bayes[(UNEDITED, probe)] = p_bayes[("post", probe)]
    t.update({(UNEDITED, kind): v for (phase, kind), v in list(t.items()) if phase == "pre"})
    p_req[UNEDITED] = p_req["pre"]
    _, names = db.fetch(con, db.load_sql("results_table_objects"))
    return CaseArrays(case_ids, np.array([bool(r[1]) for r in rows], dtype=bool),
                      np.array([bool(r[2]) for r in rows], dtype=bool), generation, label, p_lm, p_bayes, p_req, t,
                      [r[1] for r in names], [r[2] for r in names])


def _matches(generations: list[str], labels: list[str], contains: bool) -> np.ndarray:
    return np.array([metrics.generation_matches(g, y, contains=contains) for g, y in zip(generations, labels)],
                    dtype=bool)


def case_values(a: CaseArrays, phase: str, mask: np.ndarray, contains: bool) -> np.ndarray:
    """[cases of the mask, COLUMNS]: each case's accuracy hit (0/1), coherence and logical errors."""
    cols = [_matches(a.generation[(phase, p)], a.label[(phase, p)], contains)[mask].astype(np.float64)
            for p in PROBES]
    cols += [metrics.probabilistic_errors(a.p_lm[(phase, p)][mask], a.p_bayes[(phase, p)][mask]) for p in PROBES]
    t = {k: v[mask] for (ph, k), v in a.t.items() if ph == phase}
    cols += [metrics.tf_errors(a.p_lm_requested[phase][mask], t["tf_a"]),
             metrics.negation_errors(t["tf_a"], t["not_a"]),
             (metrics.and_errors(t["and_ab"], t["tf_a"], t["tf_b"])
              + metrics.and_errors(t["and_ba"], t["tf_a"], t["tf_b"])) / 2,
             metrics.or_errors(t["or_ba"], t["tf_a"], t["tf_b"])]
    return np.column_stack(cols) if int(mask.sum()) else np.empty((0, len(COLUMNS)))


def bootstrap_intervals(pre: np.ndarray, post: np.ndarray, key: int, unedited: np.ndarray | None = None
                        ) -> dict[str, dict[str, tuple[float, float]]]:
    """The LEVEL percentile-bootstrap interval of every column's mean for pre, post and delta (and the
    unedited row when given) (paired: one draw of cases for all); `key` (with BOOTSTRAP_SEED) seeds the draw."""
    n = len(pre)
    rows = dict(zip(ROWS, (pre, post, post - pre)))
    if unedited is not None:
        rows[UNEDITED] = unedited
    if n == 0:
        return {row: {c: (math.nan, math.nan) for c in COLUMNS} for row in rows}
    rng = np.random.default_rng([BOOTSTRAP_SEED, key])
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP_RESAMPLES).astype(np.float64)  # [R, n]
    tail = 100 * (1 - LEVEL) / 2
    out = {}
    for row, values in rows.items():
        means = counts @ values / n                                                     # [R, columns]
        low, high = np.percentile(means, [tail, 100 - tail], axis=0)
        out[row] = {c: (float(lo), float(hi)) for c, lo, hi in zip(COLUMNS, low, high)}
    return out


def _row(values: np.ndarray) -> dict[str, float]:
    means = values.mean(axis=0) if len(values) else np.full(len(COLUMNS), np.nan)
    return {c: float(v) for c, v in zip(COLUMNS, means)}


def split_masks(a: CaseArrays, contains: bool = False) -> dict[str, np.ndarray]:
    outputs_request = _matches(a.generation[("pre", "s1r1")], a.requested, contains)
    correct_pre = _matches(a.generation[("pre", "s1r1")], a.ground_truth, contains)
    return {"all_edit_requests": metrics.all_edit_requests(outputs_request),
            "downstream_answer_changes": metrics.downstream_answer_changes_split(outputs_request, a.downstream_changes),
            "fixing_errors": metrics.fixing_errors(correct_pre, a.reinforces)}


def compute_tables(con: db.Connection, *, match: str = "exact", prob: str = "raw",
                   weight: str = "n_prime") -> list[SplitTable]:
    check_options(match, prob, weight)
    a = load_arrays(con, prob=prob, weight=weight)
    contains = match == "contains"
    tables = []
    for key, (split, mask) in enumerate(split_masks(a, contains).items()):
        pre, post = case_values(a, "pre", mask, contains), case_values(a, "post", mask, contains)
        unedited = case_values(a, UNEDITED, mask, contains)
        tables.append(SplitTable(split, int(mask.sum()), _row(pre), _row(post),
                                 bootstrap_intervals(pre, post, key, unedited), _row(unedited)))
    return tables
