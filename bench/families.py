"""Every model family × every editor on a few-step continued-pretrained random model; prints a table (not a test).

    python bench/families.py --db WORLD [--out FOLDER] [--families gpt2,llama,...] [--editors lora,rome,...]
                             [--cases 50] [--steps 100] [--hidden 64] [--vocab 2048]

WORLD is read only (copy it first if other processes write it); it needs its corpus and cases. Per family
(kgedit.lm.families), a random 2-layer model of that family with a tokenizer of its convention, trained on
WORLD's documents (tests/families.py: byte-level BPE as GPT-2/Pythia/OPT/Qwen wrap it, SentencePiece-style
"▁" for Llama/Gemma, kgedit's own for Mistral), continues pretraining for --steps steps of the tiny preset
(`kgedit train --init`), then `kgedit evaluate` runs every editor on the first --cases cases with its
defaults (lora at lr 1e-3, as in the default experiment). Columns:
  ES pre/post   CounterFact efficacy score: share of cases with p(requested) > p(original) after `{s} {r}`
  acc           generative accuracy of the edited fact (s1r1) after the edit (exact match, greedy)
  s/edit        mean wall seconds of one edit (edit-parallel lora and bayes: the batch's time shared out)
Timings are wall-clock on whatever else the machine runs: compare rows measured together.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # tests.families, from a checkout

EDITOR_SETS = {"lora": {"lr": "1e-3"}}


def continued(world: Path, folder: Path, family: str, steps: int, hidden: int, vocab: int) -> tuple[Path, float]:
    """(checkpoint of the family's random model after `steps` steps of continued pretraining, seconds)."""
    from kgedit import db
    from kgedit.lm.config import TrainConfig
    from kgedit.lm.presets import get_preset
    from kgedit.lm.tokenizer import document_texts
    from kgedit.lm.train import train
    from tests.families import build_family_model

    con = db.connect(world, read_only=True)
    try:
        texts = list(document_texts(con))
    finally:
        con.close()
    start = time.perf_counter()
    init = build_family_model(family, texts, folder / f"{family}-init", hidden=hidden, vocab=vocab)
    preset = get_preset("tiny")
    preset = dataclasses.replace(preset, tokens=steps * preset.batch_size * preset.block_size,
                                 eval_every_tokens=10**12, save_every_tokens=10**12, warmup_steps=max(1, steps // 10))
    train(world, folder / family, TrainConfig(preset=preset, init=str(init), device="cpu", n_probe_facts=50,
                                               n_probe_sentences=10))
    return folder / family, time.perf_counter() - start


def evaluate_one(world: Path, ckpt: Path, editor: str, cases: int, out: Path) -> dict:
    from kgedit.evaluate.config import EvalConfig
    from kgedit.evaluate.run import evaluate

    config = EvalConfig(model=str(ckpt), world_db=str(world), editor=editor, cases=cases, device="cpu",
                        editor_params=EDITOR_SETS.get(editor, {}))
    evaluate(config, out)
    result = json.loads((out / "results.json").read_text())
    cf, table = result["counterfact"], result["tables"][0]
    return {"es_pre": cf["pre"]["ES"], "es_post": cf["post"]["ES"], "acc": table["post"]["acc_s1r1"],
            "s_edit": result["runtime_per_edit"]["mean"]}


def main() -> None:
    from kgedit.lm.families import FAMILIES

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("bench-families"))
    ap.add_argument("--families", default=",".join(sorted(FAMILIES)))
    ap.add_argument("--editors", default="lora,bayes,ft,ft_l,rome,memit")
    ap.add_argument("--cases", type=int, default=50)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=2048)
    args = ap.parse_args()
    print(f"{'family':9} {'editor':6} {'ES pre':>6} {'ES post':>7} {'acc':>5} {'s/edit':>7}   (train s)", flush=True)
    for family in args.families.split(","):
        ckpt, train_s = continued(args.db, args.out, family, args.steps, args.hidden, args.vocab)
        for editor in args.editors.split(","):
            m = evaluate_one(args.db, ckpt, editor, args.cases, args.out / f"{family}-{editor}")
            print(f"{family:9} {editor:6} {m['es_pre']:6.2f} {m['es_post']:7.2f} {m['acc']:5.2f} {m['s_edit']:7.3f}"
                  f"   ({train_s:.0f})", flush=True)


if __name__ == "__main__":
    main()
