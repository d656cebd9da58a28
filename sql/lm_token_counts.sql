-- lm_token_counts.sql: schema of corpus_token_counts, written by `kgedit lm tokenizer` (and `kgedit train`
-- when it trains the tokenizer) into the world database; shown by `kgedit corpus stats`.
-- Parameters: none. Columns: kind, n_texts, n_tokens, mean_tokens, vocab_size.
CREATE TABLE corpus_token_counts (
    kind        VARCHAR PRIMARY KEY,
    n_texts     BIGINT NOT NULL,
    n_tokens    BIGINT NOT NULL,
    mean_tokens DOUBLE NOT NULL,
    vocab_size  INTEGER NOT NULL
);
COMMENT ON TABLE corpus_token_counts IS 'Token counts of the corpus under the trained BPE tokenizer (SPEC 7), per sentence kind and for the document stream.';
COMMENT ON COLUMN corpus_token_counts.kind IS 'Sentence kind (atomic, tf, not, and, or; each distinct sentence once) or documents (every document copy, with BOS and EOS: the tokens of one training epoch).';
COMMENT ON COLUMN corpus_token_counts.n_texts IS 'Number of sentences (or documents) of this kind.';
COMMENT ON COLUMN corpus_token_counts.n_tokens IS 'Total tokens over those texts.';
COMMENT ON COLUMN corpus_token_counts.mean_tokens IS 'n_tokens / n_texts.';
COMMENT ON COLUMN corpus_token_counts.vocab_size IS 'Vocabulary size of the tokenizer that was used (min of the requested size and what the corpus supports).';
