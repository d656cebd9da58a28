"""CounterFact-style scores (ROME, SPEC §9) and editing runtime, from a results database.

Per phase (pre: the unedited model, post: after each case's own edit), over the edits that
*contradict* the corpus (o_req ≠ o*: ROME's counterfactuals; a reinforcing edit has p(o_req) =
p(o*) and cannot be scored):
* ES / EM — efficacy: mean[p(o_req) > p(o*)] / mean[p(o_req) − p(o*)] on "{s1} {r1}";
* PS / PM — paraphrase, on the T/F form `"{s1} {r1} {o_req}" is`: mean[T_A > 1 − T_A] / mean[2 T_A − 1]
  (T_A is the credence p(true) / (p(true) + p(false)) the evaluator stores);
* NS / NM — neighbourhood, on "{s2} {r1}": mean[p(o2*) > p(o_req)] / mean[p(o2*) − p(o_req)], over the
  cases whose neighbour's own answer o2* differs from o_req;
* S = harmonic mean(ES, PS, NS); GE = fluency (weighted bi/tri-gram entropy) of the free 32-token
  continuation of "{s1}" — over every edited case.
p is the full-vocabulary probability of the object's tokens (as in ROME). Runtime: seconds per
edit (mean, p50, p95) from the edits table.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from kgedit import db
from kgedit.evaluate import metrics
from kgedit.evaluate.measure import FLUENCY_PROBE

SCORES = ("S", "ES", "EM", "PS", "PM", "NS", "NM", "GE")


@dataclass(frozen=True)
class CounterfactRow:
    S: float
    ES: float
    EM: float
    PS: float
    PM: float
    NS: float
    NM: float
    GE: float


@dataclass(frozen=True)
class CounterfactTable:
    n: int              # contradicting edits (ES, PS)
    n_neighbour: int    # of those, cases whose neighbour answer differs from o_req (NS)
    n_fluency: int      # edited cases with a fluency generation (GE)
    pre: CounterfactRow
    post: CounterfactRow

    def as_dict(self) -> dict:
        return {"n": self.n, "n_neighbour": self.n_neighbour, "n_fluency": self.n_fluency,
                "pre": asdict(self.pre), "post": asdict(self.post)}


@dataclass(frozen=True)
class Runtime:
    n: int
    mean: float
    p50: float
    p95: float
    total: float

    def as_dict(self) -> dict:
        return asdict(self)


def _row(rows: list[tuple], texts: list[str]) -> CounterfactRow:
    arr = np.array([r[2:6] + (r[7],) for r in rows], dtype=np.float64).reshape(-1, 5)
    differs = np.array([bool(r[6]) for r in rows], dtype=bool)
    es, em = metrics.success_and_magnitude(arr[:, 0], arr[:, 1])
    t_a = arr[:, 4]
    ps, pm = metrics.success_and_magnitude(t_a, 1.0 - t_a)
    ns, nm = metrics.success_and_magnitude(arr[differs, 3], arr[differs, 2])
    return CounterfactRow(metrics.counterfact_score(es, ps, ns), es, em, ps, pm, ns, nm, metrics.fluency(texts))


def counterfact_table(con: db.Connection) -> CounterfactTable:
    _, rows = db.fetch(con, db.load_sql("results_counterfact_probs"))
    _, gen = db.fetch(con, db.load_sql("results_fluency_generations"), {"probe": FLUENCY_PROBE})
    by_phase = {ph: [r for r in rows if r[1] == ph] for ph in ("pre", "post")}
    texts = {ph: [t for p, t in gen if p == ph] for ph in ("pre", "post")}
    post = by_phase["post"]
    return CounterfactTable(len(post), sum(bool(r[6]) for r in post), len(texts["post"]),
                            _row(by_phase["pre"], texts["pre"]), _row(post, texts["post"]))


def runtime(con: db.Connection) -> Runtime:
    """Seconds per edit over every edited case (NaN when none)."""
    seconds = np.array([r[0] for r in db.fetch(con, "SELECT seconds FROM edits ORDER BY case_id")[1]],
                       dtype=np.float64)
    if not seconds.size:
        return Runtime(0, math.nan, math.nan, math.nan, 0.0)
    p50, p95 = np.percentile(seconds, [50, 95])
    return Runtime(len(seconds), float(seconds.mean()), float(p50), float(p95), float(seconds.sum()))
