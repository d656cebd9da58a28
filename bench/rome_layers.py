"""Layer sweep for rome and memit on a trained checkpoint; prints a table (ROME Fig. 5's analogue; not a test).

    python bench/rome_layers.py --ckpt CKPT --db WORLD [--cases 40] [--neighbours 10]
                                [--rome-layers 0,1] [--memit-layers 0 1 0,1] [--batches 10,50] [key=value ...]

CKPT is written to: the key statistics are cached under CKPT/kgedit_stats (copy a checkpoint you must
not touch). Cases come from the world's `cases` table (the first --cases with distinct subjects).
Per configuration:
  efficacy   fraction of edits with p(requested) > p(original object) after `{s} {r}` (CounterFact ES)
  dlogp      mean rise of log p(requested)
  NS         neighbourhood: other subjects' prompts of the same relation (not edited) that still give
             their own object a higher p than the requested one (CounterFact NS), after the edit
  NS_pre     the same before any edit (the ceiling)
  |dlogp_n|  mean |change| of the neighbours' log p(own object)
  s/edit     wall seconds of the edit call per request
rome edits one case at a time (reset in between); memit edits batches of --batches requests at once.
Extra key=value arguments override editor parameters for both editors (e.g. v_lr=0.2).
After the sweep: the traced layer (rome layer=trace, kgedit.trace.site; traced or read from the cache)
and its rank among the swept rome layers by efficacy and by dlogp.

Measured on the trained tiny model (/work/exp/final: 2 layers, 0.957 generative accuracy), defaults:
    editor layers batch  efficacy  dlogp   NS  NS_pre |dlogp_n| s/edit
    rome   0          1      0.20   0.43  0.94   0.94    0.024  0.134   (20 cases)
    rome   1          1      0.00  -0.00  0.94   0.94    0.002  0.104   last layer: no effect, as expected
    memit  0         10      0.10   0.51  0.94   0.94    0.045  0.069
    memit  0,1       10      0.00   0.03  0.94   0.94    0.019  0.057
    memit  0         50      0.18   0.32  0.95   0.95    0.075  0.084   (50 cases)
    rome token=last, layer 0 0.60   2.08  0.93   0.94    0.139  0.033
    rome token=last, layer 1 0.60   2.05  0.94   0.94    0.030  0.035
In a 2-layer model the subject's last token is not the decisive site: one attention layer follows
layer 0's MLP, and the answer is mostly assembled at the prompt's last token.

The default experiment's model (tiny, 10M tokens), 100 cases, 10 neighbours, --rome-layers 0,1:
    rome   0          1      0.29   1.60  0.90   0.91    0.060  0.380
    rome   1          1      0.00  -0.00  0.91   0.91    0.006  1.159
    traced layer 0 (average MLP indirect effect at the last subject token per layer: 0.0499, 0.0000;
    98 facts traced): rank 1 of 2 by efficacy and by dlogp — the automatic layer too.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def load_cases(world: Path, n: int, n_neighbours: int):
    """[(request, original object, [(neighbour prompt, its object)])] for the first n distinct subjects."""
    from kgedit import db
    from kgedit.editors import EditRequest

    con = db.connect(world, read_only=True)
    try:
        _, rows = db.fetch(con, """
            SELECT c.case_id, c.edit_prompt, c.requested_object, c.subject_id, c.relation_id,
                   c.requested_object_id, s.name, o.name
            FROM cases c JOIN entities s ON s.entity_id = c.subject_id JOIN entities o ON o.entity_id = c.object_id
            ORDER BY c.case_id""")
    finally:
        con.close()
    chosen, seen = [], set()
    for row in rows:
        if row[3] not in seen and len(chosen) < n:
            seen.add(row[3])
            chosen.append(row)
    by_relation: dict[str, list[tuple[str, str, str]]] = {}
    for row in rows:
        by_relation.setdefault(row[4], []).append((row[3], row[1], row[7]))
    out = []
    for cid, prompt, target, sid, rid, oid, name, orig in chosen:
        pool = [(p, o) for s, p, o in dict(((s, (s, p, o)) for s, p, o in by_relation[rid])).values()
                if s not in seen]
        out.append((EditRequest(prompt, target, cid, sid, rid, oid, name), orig, pool[:n_neighbours]))
    return out


def pairs_of(items) -> list[tuple[str, str]]:
    pairs = []
    for req, orig, neighbours in items:
        pairs += [(req.prompt, req.continuation), (req.prompt, " " + orig)]
        pairs += [pair for p, o in neighbours for pair in ((p, " " + o), (p, req.continuation))]
    return pairs


def measure(model, tok, editor, items, batch: int) -> dict[str, float]:
    from kgedit.lm.scoring import score

    pre = score(model, tok, pairs_of(items))
    post = np.empty_like(pre)
    seconds, at = 0.0, 0
    for start in range(0, len(items), batch):
        group = items[start:start + batch]
        outcome = editor.edit([g[0] for g in group])
        seconds += outcome.seconds
        lp = score(model, tok, pairs_of(group))
        post[at:at + len(lp)] = lp
        at += len(lp)
        editor.reset()
    eff, dlogp, ns, ns_pre, dn = [], [], [], [], []
    at = 0
    for _, _, neighbours in items:
        a, b = pre[at:at + 2 + 2 * len(neighbours)], post[at:at + 2 + 2 * len(neighbours)]
        at += len(a)
        eff.append(b[0] > b[1])
        dlogp.append(b[0] - a[0])
        ns += list(b[2::2] > b[3::2])
        ns_pre += list(a[2::2] > a[3::2])
        dn += list(np.abs(b[2::2] - a[2::2]))
    return {"efficacy": np.mean(eff), "dlogp": np.mean(dlogp), "NS": np.mean(ns), "NS_pre": np.mean(ns_pre),
            "|dlogp_n|": np.mean(dn), "s/edit": seconds / len(items)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--neighbours", type=int, default=10)
    parser.add_argument("--rome-layers", default="0,1")
    parser.add_argument("--memit-layers", nargs="*", default=["0", "1", "0,1"])
    parser.add_argument("--batches", default="10,50")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("overrides", nargs="*", help="editor parameters key=value")
    args = parser.parse_args()

    import torch

    from kgedit.editors import make_editor
    from kgedit.lm.checkpoint import load_checkpoint

    torch.set_num_threads(args.threads)
    model, tok, _ = load_checkpoint(args.ckpt, "cpu")
    items = load_cases(args.db, args.cases, args.neighbours)
    extra = dict(kv.split("=", 1) for kv in args.overrides)
    configs = [("rome", {"layer": l}, 1) for l in args.rome_layers.split(",") if l]
    configs += [("memit", {"layers": ls}, int(b)) for ls in args.memit_layers for b in args.batches.split(",")]
    print(f"{len(items)} cases, {args.neighbours} neighbours each, {extra or 'default parameters'}")
    print(f"{'editor':6} {'layers':6} {'batch':>5} {'prepare s':>9} {'efficacy':>8} {'dlogp':>6} {'NS':>5} "
          f"{'NS_pre':>6} {'|dlogp_n|':>9} {'s/edit':>7}")
    rome: dict[int, dict[str, float]] = {}
    for name, layer_arg, batch in configs:
        editor = make_editor(name, model, tok, {**extra, **{k: str(v) for k, v in layer_arg.items()}})
        start = time.perf_counter()
        editor.prepare(args.db, [i[0] for i in items])
        prep = time.perf_counter() - start
        m = measure(model, tok, editor, items, batch)
        if name == "rome":
            rome[editor.layers[0]] = m
        print(f"{name:6} {','.join(map(str, editor.layers)):6} {batch:5d} {prep:9.2f} {m['efficacy']:8.2f} "
              f"{m['dlogp']:6.2f} {m['NS']:5.2f} {m['NS_pre']:6.2f} {m['|dlogp_n|']:9.3f} {m['s/edit']:7.3f}",
              flush=True)
    if rome:
        traced_rank(model, tok, args.db, rome)


def traced_rank(model, tok, world: Path, rome: dict[int, dict[str, float]]) -> None:
    """Where the traced layer (rome layer=trace) ranks among the swept rome layers by efficacy and by dlogp."""
    from kgedit.trace.site import traced_site

    site = traced_site(model, tok, world)
    effects = ", ".join(f"{e:.4f}" for e in site.effects)
    print(f"traced layer {site.layer} (average MLP indirect effect at the last subject token per layer: {effects}; "
          f"{site.n_traced} facts traced)")
    for metric in ("efficacy", "dlogp"):
        order = sorted(rome, key=lambda layer: -rome[layer][metric])
        place = f"rank {order.index(site.layer) + 1} of {len(order)}" if site.layer in rome else "not swept"
        print(f"  by {metric}: {place} (swept layers best first: {', '.join(map(str, order))})")


if __name__ == "__main__":
    main()
