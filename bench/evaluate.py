"""Benchmark of edit-parallel evaluation; prints measured figures (not a test).

    python bench/evaluate.py --db experiment/world.duckdb --model experiment/ckpt [--editor lora]
                             [--cases 256] [--sizes 1,8,64,256] [--set lr=1e-3] [--device auto]
    python bench/evaluate.py --preset mistral-83m --cases 5000 --sizes 1,64,256     # on a GPU
    torchrun --standalone --nproc-per-node 8 bench/evaluate.py --db ... --model ... --cases 5000 --sizes 256

For each B in --sizes it runs `kgedit evaluate --parallel-edits B` on the same first --cases cases and
times the edit loop (edit -> post-edit beliefs -> reset, results written), i.e. what B changes; the
pre-edit scoring is the same for every B and is printed once. Cases/s and the speed-up over B = 1,
and the largest difference of any post-edit probability from the B = 1 run (the runs must agree).
Where B = 1 on all cases would take long, --serial-cases runs it on fewer and reports its rate. The wall
time of each whole evaluation (pre-edit scoring, edits, writing) is printed too. Under torchrun each
evaluation is sharded over the ranks (kgedit evaluate's own path); --db and --model are needed there.

Without --model, a checkpoint of --preset is trained for a handful of steps on the world (timing
does not depend on what the weights learned); without --db, the default synthetic world (1000
subjects), its corpus, Bayesian fit and --cases cases are built in a temporary folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path


def build_world(path: Path, n_cases: int) -> None:
    from kgedit import db
    from kgedit.bayes import fit
    from kgedit.cases.build import generate_cases
    from kgedit.cases.config import CasesConfig
    from kgedit.corpus.build import generate_corpus
    from kgedit.corpus.config import CorpusConfig
    from kgedit.world.synthetic import write_synthetic_world

    con = db.connect(path)
    try:
        write_synthetic_world(con, subjects=max(1000, 3 * n_cases), seed=0)
        generate_corpus(con, CorpusConfig())
        fit(con)
        generate_cases(con, CasesConfig(n=n_cases, seed=0))
    finally:
        con.close()


def quick_checkpoint(world: Path, out: Path, preset_name: str, device: str) -> Path:
    from kgedit.lm.presets import get_preset
    from kgedit.lm.config import TrainConfig
    from kgedit.lm.train import train

    preset = get_preset(preset_name)
    tokens = preset.batch_size * preset.block_size * 4
    preset = dataclasses.replace(preset, tokens=tokens, eval_every_tokens=10**12, save_every_tokens=10**12)
    train(world, out, TrainConfig(preset=preset, device=device, n_probe_facts=5, n_probe_sentences=2))
    return out


def post_probabilities(out: Path) -> dict[tuple, float]:
    from kgedit import db
    from kgedit.evaluate.results import open_results

    con = open_results(out)
    try:
        rows = db.fetch(con, "SELECT case_id, probe, role, exp(logp) FROM probe_scores WHERE phase = 'post'")[1]
    finally:
        con.close()
    return {tuple(r[:3]): r[3] for r in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--editor", default="lora")
    ap.add_argument("--cases", type=int, default=256)
    ap.add_argument("--serial-cases", type=int, default=None, help="cases for B = 1 (default: --cases)")
    ap.add_argument("--sizes", default="1,8,64,256")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="editor parameter key=value")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    from kgedit.distributed import process_group, ranks_from_env

    if ranks_from_env().distributed and not (args.db and args.model):
        ap.error("under torchrun, pass --db and --model (built once, beforehand)")
    with process_group(args.device) as ranks:
        run(args, ranks)


def run(args, ranks) -> None:
    import torch

    from kgedit.distributed import together
    from kgedit.evaluate.config import EvalConfig
    from kgedit.evaluate.run import evaluate

    sizes = [int(b) for b in args.sizes.split(",")]
    params = dict(s.split("=", 1) for s in args.sets)
    tmp = Path(tempfile.gettempdir()) / f"kgedit-bench-evaluate-{ranks.world_size}"
    with together(ranks, "clearing the last run's results"):
        if ranks.main:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
    world = args.db or tmp / "world.duckdb"
    if args.db is None:
        build_world(world, args.cases)
    model = args.model or quick_checkpoint(world, tmp / "ckpt", args.preset, args.device)
    show = print if ranks.main else (lambda *_: None)
    threads = torch.get_num_threads()
    show(f"editor {args.editor} {params or ''} on {model} ({'cuda' if torch.cuda.is_available() and args.device != 'cpu' else f'cpu, {threads} threads'}), {ranks.world_size} rank(s)")
    reference: dict[tuple, float] | None = None
    base_rate = None
    for b in sizes:
        n = args.serial_cases if (b == 1 and args.serial_cases) else args.cases
        n = max(n, min(b, args.cases))
        out = tmp / f"b{b}"
        config = EvalConfig(model=str(model), world_db=str(world), editor=args.editor, editor_params=params,
                            cases=n, device=args.device, parallel_edits=b)
        summary = evaluate(config, out, ranks=ranks)
        if not ranks.main:
            continue
        rate = summary.n_done / summary.post_seconds
        probs = post_probabilities(out)
        if reference is None:
            reference = probs
            show(f"pre-edit scoring of {summary.n_cases} cases: {summary.pre_seconds:.1f} s")
        common = [k for k in probs if k in reference]
        diff = max(abs(probs[k] - reference[k]) for k in common) if common else float("nan")
        base_rate = base_rate or rate
        show(f"B = {b:4d}: {summary.n_done:5d} cases in {summary.post_seconds:7.1f} s  {rate:7.2f} cases/s  "
             f"speed-up {rate / base_rate:5.1f}x  (edit {summary.edit_seconds / summary.n_done * 1e3:6.1f} ms/case; "
             f"max |p - p(B=1)| {diff:.1e} over {len(common)} probes); whole evaluation {summary.wall_seconds:.1f} s")
    show(f"(results in {tmp})")


if __name__ == "__main__":
    main()
