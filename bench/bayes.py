"""Benchmark of the rational agent at paper scale (SPEC §4, DESIGN "Performance"). Prints figures.

  python bench/bayes.py [--subjects 47000] [--objects 20000] [--facts 100000] [--edits 5000]

(a) fit time from a synthetic paper-scale evidence table (≈2.4m rows × 5 copies, built with numpy,
    loaded via arrow); (b) all targets of N edits × 4 probes × 3 objects × {pre, n', n=1000} in one
    statement; (c) ratio against a straightforward per-edit loop (one edit_targets call per edit) on a
    sample; (d) `kgedit query` latency from a cold start (new process) on that world.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kgedit import db  # noqa: E402
from kgedit.bayes import fit  # noqa: E402
from kgedit.bayes.beliefs import edit_targets  # noqa: E402


def synthetic_world(con, rng, n_subjects: int, n_objects: int, n_facts: int) -> pa.Table:
    """World tables + evidence with the paper's shape; returns the facts as arrow."""
    db.execute_script(con, "world")
    n_rel = 10
    rel_ids = [f"R{i:02d}" for i in range(n_rel)]
    for p in range(5):
        up, down = rel_ids[2 * p], rel_ids[2 * p + 1]
        con.execute("INSERT INTO relation_pairs VALUES (?, ?, ?, 1.0, 'synthetic')", [p, up, down])
        con.execute("INSERT INTO relations VALUES (?, ?, ?, 'upstream', ?, ?, ?)", [up, f"rel {2*p}", f"rel_{2*p}", down, p, 2 * p])
        con.execute("INSERT INTO relations VALUES (?, ?, ?, 'downstream', ?, ?, ?)", [down, f"rel {2*p+1}", f"rel_{2*p+1}", up, p, 2 * p + 1])
    objects = np.array([f"O{i:06d}" for i in range(n_objects)])
    subjects = np.array([f"S{i:06d}" for i in range(n_subjects)])
    con.register("_e", pa.table({"entity_id": np.concatenate([subjects, objects]),
                                 "name": np.concatenate([np.char.add("subject ", subjects.astype(str)),
                                                         np.char.add("object ", objects.astype(str))])}))
    con.execute("INSERT INTO entities SELECT * FROM _e")
    con.register("_o", pa.table({"object_id": objects, "object_idx": np.arange(n_objects, dtype=np.int32)}))
    con.execute("INSERT INTO objects SELECT * FROM _o")
    # facts: each subject gets an upstream fact of a random pair; extra facts fill to n_facts, ~20%
    # downstream-with-upstream; objects type-consistent (each relation owns a slice of the objects).
    pool = n_objects // n_rel
    pair = rng.integers(0, 5, n_subjects)
    s_idx = np.concatenate([np.arange(n_subjects), rng.integers(0, n_subjects, n_facts - n_subjects)])
    rel = np.concatenate([2 * pair, np.where(rng.random(n_facts - n_subjects) < 0.4,
                                             2 * pair[s_idx[n_subjects:]] + 1, rng.integers(0, n_rel, n_facts - n_subjects))])
    facts = pa.table({"subject_id": subjects[s_idx], "relation_id": np.array(rel_ids)[rel],
                      "object_id": objects[rel * pool + (rng.zipf(1.6, n_facts) % pool)]})
    con.register("_f", facts)
    con.execute("INSERT INTO facts SELECT subject_id, relation_id, any_value(object_id), row_number() OVER () "
                "FROM _f GROUP BY ALL ORDER BY 1, 2")
    facts = con.sql("SELECT f.*, r.relation_idx FROM facts f JOIN (SELECT relation_id, "
                    "row_number() OVER (ORDER BY relation_id) - 1 AS relation_idx FROM relations) r USING (relation_id)"
                    ).to_arrow_table()
    n = facts.num_rows
    # per fact: 10 atomic (>=6 true), 10 T/F (+1/-1), 4 logical components (2/3, -1, +1, 1/3)
    per_fact = 24
    f_rep = np.repeat(np.arange(n), per_fact)
    slot = np.tile(np.arange(per_fact), n)
    true_obj = facts.column("object_id").to_numpy(zero_copy_only=False)[f_rep]
    rel_idx = facts.column("relation_idx").to_numpy()[f_rep]
    distractor = objects[rel_idx * pool + rng.integers(0, pool, len(f_rep))]
    use_true = np.where(slot < 10, rng.random(len(f_rep)) < 0.8, rng.random(len(f_rep)) < 0.6)
    weight = np.where(slot < 10, 1.0, np.where(slot < 20, np.where(rng.random(len(f_rep)) < 0.7, 1.0, -1.0),
                                                 np.array([2 / 3, -1.0, 1.0, 1 / 3])[slot % 4]))
    evidence = pa.table({"sentence_id": np.arange(len(f_rep), dtype=np.int64),
                         "subject_id": facts.column("subject_id").to_numpy(zero_copy_only=False)[f_rep],
                         "relation_id": facts.column("relation_id").to_numpy(zero_copy_only=False)[f_rep],
                         "object_id": np.where(use_true, true_obj, distractor), "weight": weight,
                         "copies": np.full(len(f_rep), 5, dtype=np.int32)})
    con.register("_ev", evidence)
    con.execute("CREATE TABLE evidence AS SELECT * FROM _ev")
    for t in ("_e", "_o", "_f", "_ev"):
        con.unregister(t)
    return facts


def cases(con, rng, n_edits: int) -> tuple[pa.Table, pa.Table]:
    """Edits on random facts; 4 probes (s r, s r2, s2 r, s2 r2) × 3 objects each."""
    facts = con.sql("SELECT f.subject_id, f.relation_id, f.object_id, r.partner_id FROM facts f "
                    "JOIN relations r USING (relation_id) ORDER BY 1, 2").to_arrow_table().to_pylist()
    objects = [r[0] for r in con.execute("SELECT object_id FROM objects").fetchall()]
    pick = rng.choice(len(facts), n_edits, replace=False)
    edits, probes = [], []
    for e, i in enumerate(pick):
        f, other = facts[i], facts[rng.integers(len(facts))]
        req = objects[rng.integers(len(objects))]
        edits.append((e, f["subject_id"], f["relation_id"], req))
        for s, r in ((f["subject_id"], f["relation_id"]), (f["subject_id"], f["partner_id"]),
                     (other["subject_id"], f["relation_id"]), (other["subject_id"], f["partner_id"])):
            for o in (f["object_id"], req, other["object_id"]):
                probes.append((len(probes), e, s, r, o))
    edits_t = pa.table(dict(zip(["edit_id", "subject_id", "relation_id", "object_id"], map(list, zip(*edits)))))
    probes_t = pa.table(dict(zip(["probe_id", "edit_id", "subject_id", "relation_id", "object_id"],
                                 map(list, zip(*probes)))))
    return edits_t, probes_t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=47_000)
    ap.add_argument("--objects", type=int, default=20_000)
    ap.add_argument("--facts", type=int, default=100_000)
    ap.add_argument("--edits", type=int, default=5000)
    ap.add_argument("--loop-sample", type=int, default=50)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paper.duckdb"
        con = db.connect(path)
        t = time.perf_counter()
        synthetic_world(con, rng, args.subjects, args.objects, args.facts)
        rows = con.execute("SELECT count(*), sum(copies) FROM evidence").fetchall()[0]
        print(f"synthetic world: {args.subjects} subjects, {args.objects} objects, "
              f"{con.execute('SELECT count(*) FROM facts').fetchall()[0][0]} facts, {rows[0]} evidence rows "
              f"({rows[1]} with copies); generated in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        summary = fit(con)
        fit_s = time.perf_counter() - t
        print(f"(a) fit: {fit_s:.2f} s  ({summary.subject_relations} (s, r) beliefs, "
              f"{summary.conditional_values} conditional values)  target < 30 s")
        edits, probes = cases(con, rng, args.edits)
        t = time.perf_counter()
        out = edit_targets(con, edits, probes)
        batch_s = time.perf_counter() - t
        print(f"(b) targets: {args.edits} edits x {probes.num_rows // args.edits} probe objects x 3 weights = "
              f"{out.num_rows * 3} beliefs in {batch_s:.2f} s  target < 10 s")
        k = args.loop_sample
        t = time.perf_counter()
        for e in range(k):
            edit_targets(con, edits.slice(e, 1), probes.slice(12 * e, 12))
        loop_s = (time.perf_counter() - t) / k * args.edits
        print(f"(c) per-edit loop (one edit_targets call per edit, {k} sampled, extrapolated): {loop_s:.1f} s "
              f"-> batch is {loop_s / batch_s:.1f}x faster")
        subject = con.execute("SELECT e.name FROM bayes_shares s JOIN entities e ON e.entity_id = s.subject_id "
                              "JOIN relation_pairs p USING (pair_id) JOIN bayes_totals t ON t.subject_id = s.subject_id "
                              "AND t.relation_id = p.downstream_id ORDER BY 1 LIMIT 1").fetchall()[0][0]
        rel = con.execute("SELECT r.name FROM bayes_shares s JOIN entities e ON e.entity_id = s.subject_id "
                          "JOIN relations r ON r.pair_id = s.pair_id AND r.role = 'downstream' "
                          "WHERE e.name = ? LIMIT 1", [subject]).fetchall()[0][0]
        con.close()
        query = f'P({rel} | subject="{subject}")'
        times = []
        for _ in range(5):
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "kgedit", "query", query, "--db", str(path)],
                                  capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
            times.append(time.perf_counter() - t)
            assert proc.returncode == 0, proc.stderr
        print(f"(d) kgedit query {query!r} cold start: median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s over 5 runs  target < 0.5 s")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import kgedit._entry"], check=True)
        print(f"    (bare interpreter + import kgedit._entry: {time.perf_counter() - t:.3f} s)")


if __name__ == "__main__":
    main()
