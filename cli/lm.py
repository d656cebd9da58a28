"""`kgedit lm …` (tokenizer) and `kgedit train`: the language model stage. torch and transformers are
imported inside the commands so `kgedit --help` stays light."""

from __future__ import annotations

from pathlib import Path

import typer

from kgedit.lm.config import TrainConfig
from kgedit.lm.presets import DEFAULT_PRESET, get_preset
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, new_app, option, out
from .progress import progress_display

lm_app = new_app("Language model: the world's own BPE tokenizer (pretraining is `kgedit train`).")

OutOption = typer.Option(..., "--out", help="Checkpoint folder (tokenizer, weights, training state, curves).")


@lm_app.command("tokenizer")
def tokenizer_command(
    db_path: Path = DbOption,
    out_dir: Path = OutOption,
    vocab_size: int = typer.Option(8192, "--vocab-size", help="Requested vocabulary; capped at what the corpus supports."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing tokenizer.json in --out."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """Train a byte-level BPE on the corpus documents; save tokenizer.json; record corpus_token_counts."""
    from kgedit.lm.tokenizer import build_tokenizer

    with progress_display() as progress:
        tok, rows = build_tokenizer(db_path, out_dir, vocab_size, overwrite=overwrite, progress=progress)
    typer.echo(f"Tokenizer with {len(tok)} tokens saved to {out_dir / 'tokenizer.json'}; "
               f"token counts written to corpus_token_counts in {db_path}.", err=True)
    out(render_rows(["kind", "n_texts", "n_tokens", "mean_tokens"], [r[:4] for r in rows], fmt.value))


def train_command(
    db_path: Path = DbOption,
    preset: str = option(TrainConfig, "preset", default=DEFAULT_PRESET),
    out_dir: Path = OutOption,
    tokens: int = option(TrainConfig, "tokens", show_default=False),
    resume: bool = typer.Option(False, "--resume", help="Continue the checkpoint in --out exactly where it stopped."),
    device: str = option(TrainConfig, "device"),
    seed: int = option(TrainConfig, "seed"),
    init: Path = option(TrainConfig, "init", show_default=False),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """Pretrain a Mistral model from scratch on the world's documents (or, with --init, continue pretraining any
    supported Hugging Face causal LM on them); evaluate probes; save checkpoints (under torchrun: data-parallel
    over the ranks, same global batch)."""
    from kgedit.distributed import process_group
    from kgedit.lm.train import train

    config = TrainConfig(preset=get_preset(preset), tokens=tokens, seed=seed, device=device,
                         init=None if init is None else str(init))
    config.check()  # before the progress bar takes the terminal
    with process_group(device) as ranks, progress_display() as progress:
        result = train(db_path, out_dir, config, resume=resume, progress=progress, ranks=ranks)
    if not ranks.main:         # under torchrun rank 0 alone reports
        return
    row = [result.step, result.total_steps, result.tokens, round(result.elapsed_s, 1),
           *(result.final.get(k) for k in ("gen_acc", "tf_acc", "not_acc", "and_acc", "or_acc"))]
    out(render_rows(["step", "total_steps", "tokens", "train_s", "gen_acc", "tf_acc", "not_acc", "and_acc", "or_acc"],
                    [row], fmt.value))
