-- lm_training_log.sql: schema of training_log in <checkpoint>/training_log.duckdb, written by `kgedit train`.
-- Parameters: none. Columns: step, tokens, loss, lr, tokens_per_s, gen_acc, tf_acc, not_acc, and_acc, or_acc, elapsed_s.
CREATE TABLE IF NOT EXISTS training_log (
    step        BIGINT PRIMARY KEY,
    tokens      BIGINT NOT NULL,
    loss        DOUBLE NOT NULL,
    lr          DOUBLE NOT NULL,
    tokens_per_s DOUBLE NOT NULL,
    gen_acc     DOUBLE,
    tf_acc      DOUBLE,
    not_acc     DOUBLE,
    and_acc     DOUBLE,
    or_acc      DOUBLE,
    elapsed_s   DOUBLE NOT NULL
);
COMMENT ON TABLE training_log IS 'Pretraining curve (paper Fig. 3): one row per evaluation of the probe set.';
COMMENT ON COLUMN training_log.step IS 'Optimizer steps done.';
COMMENT ON COLUMN training_log.tokens IS 'Training tokens seen (steps x batch x block).';
COMMENT ON COLUMN training_log.loss IS 'Mean training cross-entropy (nats/token) since the previous row.';
COMMENT ON COLUMN training_log.lr IS 'Learning rate at this step.';
COMMENT ON COLUMN training_log.tokens_per_s IS 'Training throughput since the previous row (evaluation time excluded).';
COMMENT ON COLUMN training_log.gen_acc IS 'Generative accuracy: greedy continuation of "{s} {r}" cut at . / " / EOS equals the object name (probe facts).';
COMMENT ON COLUMN training_log.tf_acc IS 'T/F sentences: share where p(true) > p(false) after the "... is" prompt matches the label.';
COMMENT ON COLUMN training_log.not_acc IS 'Same for not sentences.';
COMMENT ON COLUMN training_log.and_acc IS 'Same for and sentences.';
COMMENT ON COLUMN training_log.or_acc IS 'Same for or sentences.';
COMMENT ON COLUMN training_log.elapsed_s IS 'Wall-clock seconds of training (this and earlier runs of a resumed training).';
