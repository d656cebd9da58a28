"""Benchmark: `kgedit world build` on the real Wikidata slice and on a 2,000,000-line synthetic input.

Target (DESIGN.md): < 15 s for 2M lines on a 2-core CPU. The synthetic input is written to a temp
folder first (not timed). Prints figures; asserts nothing. Run: python bench/world.py [--lines N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kgedit import db  # noqa: E402
from kgedit.world.build import SyntheticSource, build_world  # noqa: E402
from kgedit.world.bundled import bundled_files  # noqa: E402
from kgedit.world.choice import PAPER_RELATIONS  # noqa: E402
from kgedit.world.synthetic import write_synthetic_files  # noqa: E402
from kgedit.world.wikidata import WikidataSource  # noqa: E402

LINES_PER_SUBJECT = 3.95  # measured: ~2.5 facts + Q5 + P735 lines for people + 10% second objects


def timed(label: str, target: Path, source) -> float:
    start = time.perf_counter()
    counts = build_world(target, source, overwrite=True)
    seconds = time.perf_counter() - start
    con = db.connect(target, read_only=True)
    read = con.execute("SELECT n_triples_read FROM build_info").fetchone()[0]
    con.close()
    print(f"{label:<44} {seconds:7.2f} s  {read:>10,} lines read  {counts['n_facts']:>9,} facts  "
          f"{read / seconds / 1e6:6.2f} M lines/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2_000_000)
    args = parser.parse_args()
    print(f"cpu cores visible: {os.cpu_count()}  (shared machine: other work may be running)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = bundled_files()  # the bundled slice (data/wikidata, gzip-compressed)
        timed("bundled slice, greedy choice", tmp / "slice.duckdb", WikidataSource(**files))
        timed("bundled slice, --relations paper", tmp / "paper.duckdb",
              WikidataSource(**files, relation_ids=list(PAPER_RELATIONS)))
        start = time.perf_counter()
        subjects = int(args.lines / LINES_PER_SUBJECT) + 1000
        (tmp / "synthetic").mkdir()
        paths = write_synthetic_files(tmp / "synthetic", subjects=subjects, seed=0)
        with paths["triples"].open("rb") as f:
            n_lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        print(f"(untimed) wrote synthetic input: {subjects:,} subjects, {n_lines:,} triple lines, "
              f"{paths['triples'].stat().st_size / 1e6:.0f} MB in {time.perf_counter() - start:.1f} s")
        files = dict(triples=paths["triples"], entities=paths["entities"], relations=paths["relations"])
        seconds = timed(f"synthetic input, first {args.lines:,} lines", tmp / "big.duckdb",
                        WikidataSource(**files, read_n_facts=args.lines))
        print(f"target < 15 s for 2M lines: {seconds:.2f} s ({15 / seconds:.1f}x under)" if seconds < 15
              else f"target < 15 s for 2M lines: MISSED ({seconds:.2f} s)")
        timed("synthetic world direct (1000 subjects)", tmp / "syn.duckdb", SyntheticSource(1000, 0))


if __name__ == "__main__":
    main()
