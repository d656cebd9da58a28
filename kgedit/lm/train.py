"""Pretraining a Mistral model from scratch on the world's packed documents (SPEC 7), or continuing the
pretraining of any supported Hugging Face causal LM (`init`: kgedit.lm.model_folder) on them with that
model's own tokenizer; the preset then gives the schedule (lr, batch, block, budget), not the shape.

AdamW (weight decay 1e-4 on matrices only; norms carry no decay), linear warmup then linear decay to
zero at the token budget, gradient clipping at 1.0, bf16 autocast on CUDA and fp32 on CPU. Every
`eval_every_tokens` the probe set is evaluated, logged to training_log and plotted; every
`save_every_tokens` (and at the end) a checkpoint is saved. --resume restores weights, optimizer,
scheduler and RNG states; the data position is a function of the step (lm.data), so a resumed run
continues exactly as an uninterrupted one.

Under torchrun the step's global batch is cut into one slice per rank (block ids step·B + rank·B/N …),
each rank's replica is wrapped in DistributedDataParallel (gradients averaged: the mean loss over equal
slices is the mean over the batch), and rank 0 alone evaluates, logs and saves.
"""

from __future__ import annotations

import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgedit import checks
from kgedit.distributed import SINGLE, Ranks, all_mean, data_parallel, main_first, rank_device, together
from kgedit.errors import KgeditError
from kgedit.lm import checkpoint as ckpt
from kgedit.lm.config import TrainConfig
from kgedit.lm.curves import PLOT_FILE, append_row, read_log, truncate_after
from kgedit.lm.presets import mistral_config
from kgedit.progress import Progress
from kgedit.report.plots import plot_curves

CORPUS_TABLES = ("documents", "sentences", "corpus_facts", "entities", "relations")


@dataclass
class TrainResult:
    out: Path
    step: int
    total_steps: int
    tokens: int
    elapsed_s: float
    final: dict[str, Any]


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warmup to 1 over `warmup` steps, then linear decay to 0 at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def _prepare(world_db: Path, out: Path, config: TrainConfig, init_tok=None):
    """Tokenizer (`init_tok`, the one in `out`, or a new one), token ids of every document, and the probe
    set; the world db is closed afterwards."""
    from kgedit import db
    from kgedit.lm.model_folder import load_tokenizer
    from kgedit.lm.probes import load_probes
    from kgedit.lm.tokenizer import document_texts, encode, train_tokenizer, write_token_counts

    has_tok = init_tok is not None or (out / "tokenizer.json").is_file()
    if not world_db.is_file():
        raise KgeditError(f"No database at {world_db}.", "Build a world and its corpus first (kgedit world build, kgedit corpus generate).")
    con = db.connect(world_db, read_only=has_tok)   # read-write only to record token counts
    try:
        db.require_tables(con, CORPUS_TABLES, "corpus", f"kgedit corpus generate --db {world_db}")
        if init_tok is not None:
            tok = init_tok
            if not (out / "tokenizer.json").is_file():     # rank 0 saves it (kgedit.distributed.main_first)
                out.mkdir(parents=True, exist_ok=True)
                tok.save_pretrained(str(out))
        elif has_tok:
            tok = load_tokenizer(out)
        else:
            tok = train_tokenizer(document_texts(con), config.preset.vocab_size)
            out.mkdir(parents=True, exist_ok=True)
            tok.save_pretrained(str(out))
            write_token_counts(con, tok)
        docs = encode(tok, list(document_texts(con)))
        if not docs:
            raise KgeditError(f"The corpus in {world_db} has no documents.", f"Rebuild it: kgedit corpus generate --db {world_db}")
        probes = load_probes(con, seed=config.seed, n_facts=config.n_probe_facts, n_sentences=config.n_probe_sentences)
    finally:
        con.close()
    return tok, docs, probes


def _load_init(path: Path):
    """(model in fp32 on the CPU, tokenizer) of the folder pretraining continues, checked together."""
    from kgedit.lm import model_folder

    model_folder.check_model_files(path)
    tok = model_folder.load_tokenizer(path)
    model = model_folder.load_model(path)
    model_folder.check_vocabulary(model, tok, path)
    return model, tok


def _check_out(out: Path, resume: bool) -> None:
    if resume:
        ckpt.read_config(out)   # raises a KgeditError with a hint when there is nothing to resume
    elif ckpt.is_checkpoint(out):
        raise KgeditError(f"{out} already holds a trained checkpoint.",
                          "Pass --resume to continue it, or choose another --out.")


def train(world_db: Path, out: Path, config: TrainConfig, *, resume: bool = False,
          progress: Progress | None = None, stop_after_steps: int | None = None, ranks: Ranks = SINGLE) -> TrainResult:
    """Train (or resume) into `out`. stop_after_steps ends this run early with a checkpoint (tests, budgets).
    Under torchrun (`ranks`) the model is a DistributedDataParallel replica per rank: each rank trains on its
    slice of every global batch (the global batch stays the preset's), and rank 0 alone evaluates the
    probes and writes the log, the curves and the checkpoints."""
    import torch
    from transformers import MistralForCausalLM

    from kgedit.lm import model_folder
    from kgedit.lm.data import PackedStream
    from kgedit.lm.probes import probe_accuracy

    config.check()
    out, world_db = Path(out), Path(world_db)
    _check_out(out, resume)
    saved = ckpt.read_config(out) if resume else None
    if saved and config.init is not None and config.init != saved.init:
        raise KgeditError(f"{out} continues {saved.init or 'no model (it was trained from scratch)'}, not {config.init}.",
                          "Resume without --init: the checkpoint holds the weights to continue.")
    if saved and saved.preset["name"] != config.preset.name:
        raise KgeditError(f"{out} was trained with preset {saved.preset['name']!r}, not {config.preset.name!r}.",
                          f"Resume with --preset {saved.preset['name']}.")
    preset = config.preset
    if preset.batch_size % ranks.world_size:
        raise KgeditError(f"The {preset.name} preset's batch of {preset.batch_size} blocks does not split over "
                          f"{ranks.world_size} ranks.", "Launch a number of processes that divides the batch size.")
    budget = saved.tokens_budget if saved and config.tokens is None else (config.tokens or preset.tokens)
    if saved and budget != saved.tokens_budget:
        raise KgeditError(f"{out} was started with a budget of {saved.tokens_budget} tokens, not {budget}.",
                          "Resume without --tokens (the learning-rate schedule depends on the budget).")
    progress = progress if ranks.main else None
    if progress:
        progress("preparing the data", 0, None)
    device = ckpt.resolve_device(rank_device(config.device, ranks))
    if device.type == "cpu" and not os.environ.get("OMP_NUM_THREADS"):    # a user's setting wins (torch reads it)
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    init_model, init_tok = _load_init(Path(config.init)) if config.init is not None and not saved else (None, None)
    tok, docs, probes = main_first(ranks, "preparing the data", lambda: _prepare(world_db, out, config, init_tok))
    stream = PackedStream(docs, tok.bos_token_id, tok.eos_token_id, preset.block_size, config.seed)
    if stream.blocks_per_epoch < 1:
        raise KgeditError("The corpus is shorter than one training block.", "Use a larger world or a smaller preset.")

    tokens_per_step = preset.batch_size * preset.block_size
    total_steps = max(1, math.ceil(budget / tokens_per_step))
    torch.manual_seed(config.seed)
    if saved:
        model = model_folder.load_model(out)
        state = ckpt.load_training_state(out)
    elif init_model is not None:
        model = init_model
    else:
        cfg = mistral_config(preset, len(tok), bos_id=tok.bos_token_id, eos_id=tok.eos_token_id,
                             pad_id=tok.pad_token_id)
        model = MistralForCausalLM._from_config(cfg, attn_implementation="sdpa")
    model.to(device).train()
    replica = data_parallel(model, ranks, device)     # the model itself in one process
    micro = preset.batch_size // ranks.world_size     # this rank's blocks of each global batch
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": preset.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=preset.lr,
                            fused=device.type == "cuda")
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, preset.warmup_steps, total_steps))
    kcfg = saved or ckpt.KgeditConfig(preset=preset.to_dict(), seed=config.seed, tokens_budget=budget,
                                      world_db=str(world_db), total_steps=total_steps, init=config.init)
    step, loss_window = 0, (0.0, 0)
    if saved:
        step, loss_window = _restore(out, state, opt, sched)
        if ranks.main:
            truncate_after(out, step)

    eval_every = max(1, (config.eval_every_tokens or preset.eval_every_tokens) // tokens_per_step)
    save_every = max(1, (config.save_every_tokens or preset.save_every_tokens) // tokens_per_step)
    end = total_steps if stop_after_steps is None else min(total_steps, stop_after_steps)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    loss_sum, loss_n, window_tokens, window_time = torch.zeros((), device=device), 0, 0, 0.0
    last_loss, metrics = float("nan"), {}

    def evaluate_and_log() -> None:
        nonlocal loss_sum, loss_n, window_tokens, window_time, last_loss, metrics
        if loss_n:
            last_loss = float(all_mean(loss_sum, ranks)) / loss_n
        rate = window_tokens / window_time if window_time else 0.0
        loss_sum, loss_n, window_tokens, window_time = torch.zeros((), device=device), 0, 0, 0.0
        if not ranks.main:       # rank 0 alone evaluates and logs; the others go on to the next step
            return
        with autocast:
            metrics = probe_accuracy(model, tok, probes)
        row = {"step": step, "tokens": step * tokens_per_step, "loss": last_loss, "lr": sched.get_last_lr()[0],
               "tokens_per_s": rate, "elapsed_s": kcfg.elapsed_s, **metrics}
        append_row(out, row)
        plot_curves(read_log(out), out / PLOT_FILE)

    def save() -> None:
        # The running loss window (its mean over the ranks) goes along so the first log row after a resume
        # averages the same steps.
        window = float(all_mean(loss_sum, ranks))
        if not ranks.main:
            return
        kcfg.step, kcfg.tokens_seen = step, step * tokens_per_step
        state = {"optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "rng": _get_rng(), "step": step,
                 "loss_sum": window, "loss_n": loss_n}
        ckpt.save_checkpoint(out, model, tok, kcfg, state)

    if saved:
        loss_sum, loss_n = torch.tensor(loss_window[0], device=device), loss_window[1]
    while step < end:
        t0 = time.perf_counter()
        first = step * preset.batch_size + ranks.rank * micro
        batch = torch.from_numpy(stream.blocks(first, micro)).to(device)
        with autocast:
            loss = replica(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), preset.clip_norm)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        loss_sum += loss.detach().float()
        loss_n += 1
        step += 1
        if device.type == "cpu" or step % 20 == 0:   # avoid a GPU sync on every step
            last_loss = float(loss.detach())
        dt = time.perf_counter() - t0
        kcfg.elapsed_s += dt
        window_tokens, window_time = window_tokens + tokens_per_step, window_time + dt
        if step % eval_every == 0 or step == total_steps:
            evaluate_and_log()
        if step % save_every == 0 or step == end:
            save()
        if progress:
            acc = f", gen. acc. {metrics['gen_acc']:.2f}" if "gen_acc" in metrics else ""
            progress(f"pretraining {preset.name}", step, total_steps, "steps",
                     f"loss {last_loss:.3f}, {window_tokens / window_time if window_time else 0.0:,.0f} tok/s{acc}")
    with together(ranks, "saving the checkpoint"):
        pass                   # every rank returns once rank 0's checkpoint is complete
    if not metrics and (log := read_log(out)):   # nothing evaluated in this run: report the last row
        metrics = {k: log[-1][k] for k in ("gen_acc", "tf_acc", "not_acc", "and_acc", "or_acc")}
    return TrainResult(out, step, total_steps, step * tokens_per_step, kcfg.elapsed_s, metrics)


def _restore(out: Path, state: dict[str, Any], opt, sched) -> tuple[int, tuple[float, int]]:
    """Optimizer, scheduler and RNG states from a loaded training state; the step it stopped at and
    the running loss window (sum, count)."""
    try:
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        _set_rng(state["rng"])
        step = checks.integer("step", state["step"], low=0)
        window = (checks.finite("loss_sum", state.get("loss_sum", 0.0)),
                  checks.integer("loss_n", state.get("loss_n", 0), low=0))
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError, KgeditError) as exc:
        raise KgeditError(f"{out / ckpt.STATE_FILE} does not fit this model and preset "
                          f"({exc.message if isinstance(exc, KgeditError) else f'{type(exc).__name__}: {exc}'}).", "Start a new training with another --out.") from None
    return step, window


def _get_rng() -> dict[str, Any]:
    """Every RNG state as tensors and plain values (what torch.load(weights_only=True) reads back)."""
    import torch

    version, mt, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"python": {"version": version, "mt": torch.tensor(mt, dtype=torch.int64), "gauss_next": gauss},
             "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng(state: dict[str, Any]) -> None:
    import torch

    py, npy = state["python"], state["numpy"]
    random.setstate((py["version"], tuple(int(x) for x in py["mt"].tolist()), py["gauss_next"]))
    np.random.set_state((npy["kind"], npy["keys"].numpy().astype(np.uint32), npy["pos"], npy["has_gauss"],
                         npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
