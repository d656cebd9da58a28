"""`kgedit corpus`: generate the noisy/logical corpus, export it for LM training, show its Table 6."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from kgedit import db
from kgedit.corpus.config import CorpusConfig
from kgedit.errors import KgeditError
from kgedit.report.render import render_rows

from .common import DbOption, OutputFormat, new_app, option, out
from .progress import progress_display

corpus_app = new_app("Sentences, documents and evidence written from the world (SPEC §2–3).")


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"
    txt = "txt"


def _open_world(path: Path, *, read_only: bool) -> db.Connection:
    if not path.is_file():
        raise KgeditError(f"No database at {path}.",
                          f"Build a world first: kgedit world build --db {path}")
    return db.connect(path, read_only=read_only)


@corpus_app.command("generate")
def generate(
    db_path: Path = DbOption,
    facts: int = option(CorpusConfig, "facts"),
    seed: int = option(CorpusConfig, "seed"),
    doc_resamples: int = option(CorpusConfig, "doc_resamples"),
    max_sentences_per_doc: int = option(CorpusConfig, "max_sentences_per_doc"),
    min_true_prob: float = option(CorpusConfig, "min_true_prob"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing corpus (atomically)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format of the summary."),
) -> None:
    """Generate facts' distributions, sentences, documents and evidence into the world database."""
    from kgedit.corpus.build import generate_corpus

    config = CorpusConfig(facts=facts, seed=seed, doc_resamples=doc_resamples,
                          max_sentences_per_doc=max_sentences_per_doc, min_true_prob=min_true_prob)
    config.check()  # before the progress bar takes the terminal
    con = _open_world(db_path, read_only=False)
    try:
        with progress_display() as progress:
            counts = generate_corpus(con, config, overwrite=overwrite, progress=progress)
    finally:
        con.close()
    out(render_rows(["table", "rows"], list(counts.items()), fmt.value))


@corpus_app.command("export")
def export(
    out_path: Path = typer.Option(..., "--out", help="File to write."),
    export_format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", "-f", help="jsonl, parquet or txt."),
    db_path: Path = DbOption,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Write the documents, one per record, in document order (ready for LM training)."""
    from kgedit.corpus.export import export_documents

    con = _open_world(db_path, read_only=True)
    try:
        n = export_documents(con, out_path, export_format.value, overwrite=overwrite)
    finally:
        con.close()
    typer.echo(f"Wrote {n} documents to {out_path}", err=True)


@corpus_app.command("stats")
def stats(
    db_path: Path = DbOption,
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """The paper's Table 6 for this corpus, beside the paper's figures."""
    from kgedit.corpus.stats import corpus_stats

    con = _open_world(db_path, read_only=True)
    try:
        columns, rows = corpus_stats(con)
    finally:
        con.close()
    out(render_rows(columns, rows, fmt.value))
