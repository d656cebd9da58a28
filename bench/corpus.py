"""Benchmark `kgedit corpus generate`: time and sentences/s for 100k facts of a synthetic world and
for the whole bundled Wikidata slice (data/wikidata). Prints measured figures; asserts nothing.

    python bench/corpus.py [--facts 100000] [--skip-real]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kgedit import db  # noqa: E402
from kgedit.corpus.build import generate_corpus  # noqa: E402
from kgedit.corpus.config import CorpusConfig  # noqa: E402


def synthetic_world(facts: int) -> db.Connection:
    """A synthetic world with at least `facts` facts (about 2.5 facts per subject)."""
    from kgedit.world.synthetic import write_synthetic_world

    subjects = int(facts / 2.4)
    while True:
        con = db.connect()
        counts = write_synthetic_world(con, subjects=subjects, seed=0)
        if counts["n_facts"] >= facts:
            return con
        con.close()
        subjects = int(subjects * 1.1)


def real_world() -> db.Connection:
    from kgedit.world.bundled import bundled_files
    from kgedit.world.wikidata import WikidataSource, import_wikidata

    con = db.connect()
    import_wikidata(con, WikidataSource(**bundled_files()))
    return con


def measure(name: str, con: db.Connection, facts: int | None) -> None:
    n_world = con.execute("SELECT count(*) FROM facts").fetchall()[0][0]
    steps: list[tuple[str, float]] = []
    start = time.perf_counter()

    def progress(_what: str, _done: int, _total: int | None, _unit: str, step: str) -> None:
        steps.append((step or "done", time.perf_counter() - start))

    counts = generate_corpus(con, CorpusConfig(facts=facts), progress=progress)
    seconds = time.perf_counter() - start
    print(f"\n== {name}: world facts {n_world:,}, corpus facts {counts['corpus_facts']:,}")
    print(f"   sentences {counts['sentences']:,}, documents {counts['documents']:,}, evidence {counts['evidence']:,}")
    print(f"   time {seconds:.1f} s, {counts['sentences'] / seconds:,.0f} sentences/s, "
          f"{counts['corpus_facts'] / seconds:,.0f} facts/s")
    print("   steps: " + ", ".join(f"{what} @{t:.1f}s" for what, t in steps))
    print(f"   target < 120 s for 100k facts on 2 cores: ratio {seconds / 120:.2f} of budget")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()
    t = time.perf_counter()
    con = synthetic_world(args.facts)
    print(f"synthetic world built in {time.perf_counter() - t:.1f} s")
    measure(f"synthetic, {args.facts:,} facts", con, args.facts)
    con.close()
    if not args.skip_real:
        t = time.perf_counter()
        con = real_world()
        print(f"\nreal slice imported in {time.perf_counter() - t:.1f} s")
        measure("real Wikidata slice, all facts", con, None)
        con.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
