"""A byte-level BPE trained locally on the world's own documents (no hub download).

Pre-tokenisation splits on whitespace and punctuation the GPT-2 way (a word keeps its leading space,
"Ġ"), so an entity name like "Arthur Green" becomes whole-word pieces ["Arthur", "ĠGreen"] once the
corpus has seen it twice, and a continuation that starts with a space (" Yale", " true") tokenises to
exactly the tokens that follow the prompt in the joined text — the property scoring relies on.
Byte-level means no unknown token: any Wikidata alias (accents, digits, CJK) is representable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kgedit.progress import Progress

BOS, EOS, PAD = "<s>", "</s>", "<pad>"
SPECIAL_TOKENS = [PAD, BOS, EOS]   # ids 0, 1, 2
_BATCH = 10_000
MIN_VOCAB = 300            # 256 bytes + 3 special tokens, and some merges
MAX_VOCAB = 1_000_000      # far above any preset (32k); a typo beyond this would only waste memory


def train_tokenizer(texts: Iterable[str], vocab_size: int, *, min_frequency: int = 2):
    """Train a byte-level BPE on `texts`; returns a transformers PreTrainedTokenizerFast.

    The vocabulary is min(vocab_size, what the corpus supports): the trainer stops merging when no
    pair occurs `min_frequency` times, so a small world gets a small vocabulary (and embedding).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    # Plain `tok(text)` gives [BOS] text, like other causal LMs; kgedit's own code adds BOS/EOS itself.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, tok.token_to_id(BOS))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD,
                                   clean_up_tokenization_spaces=False)


def encode(tok, texts: list[str]) -> list[list[int]]:
    """Token ids of each text without special tokens (the fast Rust tokenizer, batched)."""
    return [e.ids for e in tok.backend_tokenizer.encode_batch(texts, add_special_tokens=False)]


def split_pairs(tok, pairs: list[tuple[str, str]]) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, continuation ids) of each (prompt, continuation) pair, cut from the tokens of the joined
    text: the continuation is every token from the first one that holds a character of the continuation
    (by the tokenizer's offsets). So the space before a continuation is tokenised as the tokenizer does in
    running text, whatever its convention: GPT-2 and kgedit's byte-level BPE attach it to the next word
    ("ĠYale"), SentencePiece-style tokenizers write it as "▁Yale" (tokenised alone, a legacy SentencePiece
    tokenizer would make " Yale" "▁", "▁Yale"). The scored tokens are exactly the model's reading of
    prompt + continuation."""
    out = []
    for (prompt, _), enc in zip(pairs, tok.backend_tokenizer.encode_batch([p + c for p, c in pairs],
                                                                         add_special_tokens=False)):
        cut = next((i for i, (_, end) in enumerate(enc.offsets) if end > len(prompt)), len(enc.ids))
        out.append((enc.ids[:cut], enc.ids[cut:]))
    return out


def document_texts(con, progress: Progress | None = None) -> Iterator[str]:
    """Every document's text in document_id order, fetched in batches (never all in Python at once);
    `progress` hears of each batch as the task 'reading documents'."""
    from kgedit import db

    cur, read = con.execute(db.load_sql("lm_documents")), 0
    while True:
        rows = cur.fetchmany(_BATCH)
        if not rows:
            return
        read += len(rows)
        if progress:
            progress("reading documents", read, None, "documents")
        for _, text in rows:
            yield text


def token_counts(con, tok) -> list[tuple[Any, ...]]:
    """Rows (kind, n_texts, n_tokens, mean_tokens): per sentence kind (each distinct sentence once)
    and 'documents' (the training stream: every document copy with its BOS and EOS)."""
    from kgedit import db

    totals: dict[str, list[int]] = {}
    cur = con.execute(db.load_sql("lm_sentence_texts"))
    while rows := cur.fetchmany(_BATCH):
        for kind, ids in zip((r[0] for r in rows), encode(tok, [r[1] for r in rows])):
            t = totals.setdefault(kind, [0, 0])
            t[0] += 1
            t[1] += len(ids)
    docs = [0, 0]
    cur = con.execute(db.load_sql("lm_documents"))
    while rows := cur.fetchmany(_BATCH):
        docs[0] += len(rows)
        docs[1] += sum(len(ids) + 2 for ids in encode(tok, [r[1] for r in rows]))
    totals["documents"] = docs
    return [(kind, n, n_tok, n_tok / n if n else 0.0) for kind, (n, n_tok) in sorted(totals.items())]


def write_token_counts(con, tok) -> list[tuple[Any, ...]]:
    """Replace corpus_token_counts in the world database (all or nothing)."""
    from kgedit import db

    rows = token_counts(con, tok)
    vocab = len(tok)
    with db.transaction(con):
        con.execute("DROP TABLE IF EXISTS corpus_token_counts")
        db.execute_script(con, "lm_token_counts")
        con.executemany("INSERT INTO corpus_token_counts VALUES (?, ?, ?, ?, ?)",
                        [[*r, vocab] for r in rows])
    return rows


def check_vocab_size(vocab_size: int, name: str = "--vocab-size") -> int:
    from kgedit import checks

    return checks.integer(name, vocab_size, low=MIN_VOCAB, high=MAX_VOCAB,
                          hint=f"Byte-level BPE needs 259 base tokens; use {MIN_VOCAB} to {MAX_VOCAB:,}.")


def build_tokenizer(world_db, out, vocab_size: int, *, overwrite: bool = False, progress: Progress | None = None):
    """`kgedit lm tokenizer`: train on the world's documents, save into `out`, record token counts.

    Returns (tokenizer, token-count rows)."""
    from pathlib import Path

    from kgedit import db
    from kgedit.errors import KgeditError
    from kgedit.lm.checkpoint import is_checkpoint

    world_db, out = Path(world_db), Path(out)
    check_vocab_size(vocab_size)
    if not world_db.is_file():
        raise KgeditError(f"No database at {world_db}.", "Build a world and its corpus first (kgedit world build, kgedit corpus generate).")
    if is_checkpoint(out):
        raise KgeditError(f"{out} holds a trained model; its tokenizer must not change.", "Choose another --out.")
    if (out / "tokenizer.json").exists() and not overwrite:
        raise KgeditError(f"{out} already has a tokenizer.json.", "Pass --overwrite to replace it, or choose another --out.")
    con = db.connect(world_db)
    try:
        db.require_tables(con, ["documents", "sentences"], "corpus", f"kgedit corpus generate --db {world_db}")
        tok = train_tokenizer(document_texts(con, progress), vocab_size)
        if progress:
            progress("counting tokens", 0, None)
        rows = write_token_counts(con, tok)
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(str(out))
    return tok, rows
