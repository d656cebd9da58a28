"""`kgedit evaluate --sequential 1,10,50,…`: the degradation curve of Li et al. (SPEC §8–9).

The first max(N) cases' edit requests are applied one after another to the same model, never reset
(each edit starts from the model the previous ones left). After every N in the list, and once before
the first edit (N = 0), the model is measured on
* held-out corpus facts: generative accuracy on a seeded sample of corpus facts, leaving out every
  (subject, relation) that any of the max(N) edits touches;
* held-out T/F sentences: tf / not / and / or accuracy on a seeded sample of labelled corpus
  sentences, leaving out those that quote an edited prompt;
* the edits so far: the share of the N edited prompts whose greedy answer is the requested object
  (how many edits survive the later ones).
Results: sequential.duckdb (points and per-edit rows, built atomically: an interrupted run leaves
nothing and starts again), sequential.json and degradation.png in the output folder. A folder holding
another configuration's curve is refused, never overwritten.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from kgedit import checks, db
from kgedit.errors import KgeditError
from kgedit.evaluate.results import fingerprint, model_identity
from kgedit.progress import Progress
from kgedit.report.plots import plot_degradation
from kgedit.report.render import to_json

SEQUENTIAL_DB = "sequential.duckdb"
POINT_COLUMNS = ("n_edits", "heldout_gen_acc", "tf_acc", "not_acc", "and_acc", "or_acc", "edits_retained",
                 "edit_seconds")


@dataclass(frozen=True)
class SequentialConfig:
    model: str
    world_db: str
    checkpoints: tuple[int, ...]          # measure after these many edits
    editor: str = "lora"
    editor_params: dict[str, str] | None = None
    seed: int = 0
    device: str = "auto"
    batch_size: int = 64
    heldout_facts: int = 500
    heldout_sentences: int = 250          # per kind (tf, not, and, or)

    def check(self) -> None:
        from kgedit.editors import check_params
        from kgedit.evaluate.config import BATCH_SIZE_HINT

        checks.seed("--seed", self.seed)
        checks.integer("--batch-size", self.batch_size, low=1, hint=BATCH_SIZE_HINT)
        check_params(self.editor, self.editor_params or {})
        if not self.checkpoints or min(self.checkpoints) < 1:
            raise KgeditError("--sequential needs edit counts of at least 1, e.g. --sequential 1,10,50,100.")
        if list(self.checkpoints) != sorted(set(self.checkpoints)):
            raise KgeditError(f"--sequential counts must be increasing and distinct (got "
                              f"{','.join(map(str, self.checkpoints))}).", "For example: --sequential 1,10,50,100,500,1000")


def parse_checkpoints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise KgeditError(f"--sequential expects comma-separated edit counts (got {text!r}).",
                          "For example: --sequential 1,10,50,100,500,1000") from None


def _requests(world_db: Path, n: int) -> list:
    from kgedit.editors import EditRequest

    if not world_db.is_file():
        raise KgeditError(f"No database at {world_db}.", "Build the world, corpus and cases first (see README).")
    con = db.connect(world_db, read_only=True)
    try:
        db.require_tables(con, ("cases", "entities"), "benchmark cases", f"kgedit cases generate --db {world_db}")
        available = db.fetch(con, "SELECT count(*) FROM cases")[1][0][0]
        if n > available:
            raise KgeditError(f"--sequential {n} needs {n} cases; {world_db} has {available}.",
                              f"Generate more: kgedit cases generate --db {world_db} --n {n} --overwrite")
        _, rows = db.fetch(con, db.load_sql("sequential_requests"), {"n": n})
    finally:
        con.close()
    return [EditRequest(*row) for row in rows]


def _heldout(world_db: Path, config: SequentialConfig, edited_prompts: list[str]):
    """The probe set of pretraining, without the edited facts and the sentences that quote them."""
    from kgedit.lm.probes import SENTENCE_KINDS, load_probes

    con = db.connect(world_db, read_only=True)
    try:
        probes = load_probes(con, seed=config.seed, n_facts=config.heldout_facts + len(edited_prompts),
                             n_sentences=config.heldout_sentences)
    finally:
        con.close()
    edited = set(edited_prompts)
    keep = [i for i, p in enumerate(probes.fact_prompts) if p not in edited][: config.heldout_facts]
    quoted = tuple(f'"{p} ' for p in edited) + tuple(f' {p} ' for p in edited)
    prompts, labels = {}, {}
    for kind in SENTENCE_KINDS:
        ok = [i for i, s in enumerate(probes.sentence_prompts[kind]) if not any(q in s for q in quoted)]
        prompts[kind] = [probes.sentence_prompts[kind][i] for i in ok]
        labels[kind] = probes.sentence_labels[kind][ok]
    return replace(probes, fact_prompts=[probes.fact_prompts[i] for i in keep],
                   fact_objects=[probes.fact_objects[i] for i in keep], sentence_prompts=prompts, sentence_labels=labels)


def _retained(model, tok, requests: list, batch_size: int) -> float:
    from kgedit.lm.decoding import answer_tokens, greedy_decode
    from kgedit.lm.sentences import answer_matches

    names = sorted({r.target for r in requests})
    answers = greedy_decode(model, tok, [r.prompt for r in requests], answer_tokens(tok, names), batch_size, names=names)
    return float(np.mean([answer_matches(a, r.target) for a, r in zip(answers, requests)]))


def run_sequential(config: SequentialConfig, out: Path, *, progress: Progress | None = None,
                   model_loader: Callable[[], tuple[Any, Any]] | None = None) -> dict[str, Any]:
    """Apply the edits cumulatively and measure at every checkpoint; returns what sequential.json holds."""
    from kgedit.editors import check_params, make_editor
    from kgedit.evaluate.run import edit_seed
    from kgedit.lm.sentences import RULE_VERSION
    from kgedit.lm import probes as lm_probes

    config.check()
    out, world_db = Path(out), Path(config.world_db)
    n_max = config.checkpoints[-1]
    requests = _requests(world_db, n_max)
    determining = {k: v for k, v in asdict(config).items() if k not in ("model", "world_db", "device", "batch_size")}
    # the editor's defaults and the answer rule too: a new release's defaults are another run
    determining |= {"editor_params": asdict(check_params(config.editor, config.editor_params)), "answers": RULE_VERSION}
    if model_loader is None:
        from kgedit.lm.model_folder import check_model_files, load_model_folder

        check_model_files(Path(config.model))
        determining["model"] = model_identity(Path(config.model))

        def model_loader():
            return load_model_folder(config.model, config.device, "fp32")
    key = fingerprint(determining)
    path = out / SEQUENTIAL_DB
    if path.is_file():
        stored = load_sequential(out)
        if stored["fingerprint"] == key:
            return stored
        raise KgeditError(f"{out} holds a sequential run of another configuration.",
                          "Choose another --out, or delete that folder to start over.")
    if out.exists() and not out.is_dir():
        raise KgeditError(f"--out {out} is a file, not a folder.", "Choose a folder for the results.")

    model, tok = model_loader()
    editor = make_editor(config.editor, model, tok, config.editor_params)
    heldout = _heldout(world_db, config, [r.prompt for r in requests])
    if progress:
        progress("preparing the editor", 0, None)
    editor.prepare(world_db, requests)

    def measure(n: int, seconds: float) -> dict[str, Any]:
        acc = lm_probes.probe_accuracy(model, tok, heldout, config.batch_size)
        kept = _retained(model, tok, requests[:n], config.batch_size) if n else None
        return {"n_edits": n, "heldout_gen_acc": acc["gen_acc"], **{k: acc[k] for k in POINT_COLUMNS[2:6]},
                "edits_retained": kept, "edit_seconds": seconds}

    start = time.perf_counter()
    points = [measure(0, 0.0)]
    edits: list[tuple[int, int, float, float]] = []
    try:
        for i, request in enumerate(requests):
            if progress:
                progress("editing (no reset)", i, n_max, "edits")
            outcome = editor.edit([request], seed=edit_seed(config.seed, request.case_id))
            edits.append((i + 1, request.case_id, outcome.seconds, outcome.final_loss))
            if i + 1 in config.checkpoints:
                if progress:
                    progress("editing (no reset)", i + 1, n_max, "edits", f"measuring after {i + 1} edits")
                points.append(measure(i + 1, sum(e[2] for e in edits)))
    finally:
        editor.reset()
    info = {"config": {**determining, "model_path": config.model, "world_db": str(world_db.resolve())},
            "fingerprint": key, "heldout": {"facts": len(heldout.fact_prompts),
                                            "sentences": {k: len(v) for k, v in heldout.sentence_prompts.items()}},
            "wall_seconds": time.perf_counter() - start}
    out.mkdir(parents=True, exist_ok=True)
    _write(path, info, points, edits)
    result = load_sequential(out)
    (out / "sequential.json").write_text(to_json(result, sort_keys=True, ensure_ascii=True), encoding="utf-8")
    plot_degradation(result, out / "degradation.png")
    return result


def _write(path: Path, info: dict[str, Any], points: list[dict[str, Any]], edits: list[tuple]) -> None:
    with db.building(path, overwrite=False) as con:
        db.execute_script(con, "sequential")
        con.execute("INSERT INTO sequential_info VALUES (?, ?, ?, ?)",
                    [json.dumps(info["config"], sort_keys=True, default=str), info["fingerprint"],
                     json.dumps(info["heldout"], sort_keys=True), info["wall_seconds"]])
        con.executemany(f"INSERT INTO sequential_points VALUES ({', '.join('?' * len(POINT_COLUMNS))})",
                        [[p[c] for c in POINT_COLUMNS] for p in points])
        con.executemany("INSERT INTO sequential_edits VALUES (?, ?, ?, ?)", [list(e) for e in edits])


def load_sequential(out: Path) -> dict[str, Any]:
    """What a finished sequential run stored: config, fingerprint, held-out sizes, points, runtime per edit."""
    con = db.connect(Path(out) / SEQUENTIAL_DB, read_only=True)
    try:
        config, fingerprint, heldout, wall = db.fetch(con, "SELECT * FROM sequential_info")[1][0]
        cols, rows = db.fetch(con, "SELECT * FROM sequential_points ORDER BY n_edits")
        seconds = np.array([r[0] for r in db.fetch(con, "SELECT seconds FROM sequential_edits ORDER BY step")[1]])
    finally:
        con.close()
    p50, p95 = np.percentile(seconds, [50, 95])
    return {"config": json.loads(config), "fingerprint": fingerprint, "heldout": json.loads(heldout),
            "wall_seconds": wall, "points": [dict(zip(cols, r)) for r in rows],
            "runtime_per_edit": {"n": len(seconds), "mean": float(seconds.mean()), "p50": float(p50),
                                 "p95": float(p95), "total": float(seconds.sum())}}
