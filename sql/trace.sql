-- trace.sql: schema of a causal trace (OUT/trace.duckdb), ROME §2 (issue 20).
-- Created by `kgedit trace` (and the [trace] stage of `kgedit run`), built atomically at the end of the run.

CREATE TABLE trace_info (
    config           JSON NOT NULL,
    fingerprint      VARCHAR NOT NULL,
    sigma            DOUBLE NOT NULL,
    window_layers    INTEGER NOT NULL,
    n_layers         INTEGER NOT NULL,
    traced_layer     INTEGER,
    avg_total_effect DOUBLE,
    cells_per_second DOUBLE NOT NULL,
    wall_seconds     DOUBLE NOT NULL
);
COMMENT ON TABLE trace_info IS 'One row: the trace''s configuration and summary; a rerun with another configuration into the same folder is refused.';
COMMENT ON COLUMN trace_info.config IS 'Options, model identity (weights hash) and paths (JSON).';
COMMENT ON COLUMN trace_info.fingerprint IS 'Hash of everything that determines the rows (not paths, device or batch size).';
COMMENT ON COLUMN trace_info.sigma IS 'Standard deviation of the Gaussian noise added to each subject-token embedding coordinate (noise x the std of the world''s subject-token embeddings).';
COMMENT ON COLUMN trace_info.window_layers IS 'Layers restored together by an mlp or attn cell.';
COMMENT ON COLUMN trace_info.n_layers IS 'Decoder layers of the model.';
COMMENT ON COLUMN trace_info.traced_layer IS 'Layer of the peak average MLP indirect effect at the last subject token (rome layer=trace); NULL without mlp.';
COMMENT ON COLUMN trace_info.avg_total_effect IS 'Mean over traced prompts of p_clean - p_corrupt.';
COMMENT ON COLUMN trace_info.cells_per_second IS 'Restored runs (noise sample x cell) per second of the batched forward passes.';
COMMENT ON COLUMN trace_info.wall_seconds IS 'Wall time of the trace (model loaded).';

CREATE TABLE trace_prompts (
    prompt_id    INTEGER PRIMARY KEY,
    source       VARCHAR NOT NULL CHECK (source IN ('fact', 'case')),
    source_id    BIGINT NOT NULL,
    subject      VARCHAR NOT NULL,
    prompt       VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    answer       VARCHAR NOT NULL,
    correct      BOOLEAN NOT NULL,
    p_clean      DOUBLE,
    p_corrupt    DOUBLE,
    total_effect DOUBLE
);
COMMENT ON TABLE trace_prompts IS 'Every candidate fact prompt; only those the model answers correctly are traced (the others are counted, with NULL probabilities).';
COMMENT ON COLUMN trace_prompts.prompt_id IS '0-based, in selection order.';
COMMENT ON COLUMN trace_prompts.source IS 'fact: a seeded sample of corpus facts; case: the first cases (s1, r1, o*).';
COMMENT ON COLUMN trace_prompts.source_id IS 'corpus_facts.fact_id or cases.case_id.';
COMMENT ON COLUMN trace_prompts.subject IS 'Subject name (the prompt starts with it; its tokens get the noise).';
COMMENT ON COLUMN trace_prompts.prompt IS '"{subject} {relation}".';
COMMENT ON COLUMN trace_prompts.object IS 'The true object o*.';
COMMENT ON COLUMN trace_prompts.answer IS 'The model''s greedy answer (cut at a sentence boundary).';
COMMENT ON COLUMN trace_prompts.correct IS 'The answer equals the object (normalised, exact): the prompt is traced.';
COMMENT ON COLUMN trace_prompts.p_clean IS 'p(object | prompt) of the clean run: the probability of the object''s first token after the prompt (as in ROME).';
COMMENT ON COLUMN trace_prompts.p_corrupt IS 'The same with noise on the subject embeddings, mean over noise samples.';
COMMENT ON COLUMN trace_prompts.total_effect IS 'p_clean - p_corrupt.';

CREATE TABLE trace_tokens (
    prompt_id INTEGER NOT NULL,
    token     INTEGER NOT NULL,
    text      VARCHAR NOT NULL,
    classes   VARCHAR[] NOT NULL,
    PRIMARY KEY (prompt_id, token)
);
COMMENT ON TABLE trace_tokens IS 'The tokens of each traced prompt (BOS left out: it precedes the subject, so no noise reaches it).';
COMMENT ON COLUMN trace_tokens.token IS '0-based token position in the prompt.';
COMMENT ON COLUMN trace_tokens.text IS 'The token''s text.';
COMMENT ON COLUMN trace_tokens.classes IS 'Token classes it is averaged in (first/middle/last subject token, first subsequent token, further tokens, last token).';

CREATE TABLE trace_cells (
    prompt_id       INTEGER NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('hidden', 'mlp', 'attn')),
    token           INTEGER NOT NULL,
    layer           INTEGER NOT NULL,
    p_restored      DOUBLE NOT NULL,
    indirect_effect DOUBLE NOT NULL,
    PRIMARY KEY (prompt_id, kind, token, layer)
);
COMMENT ON TABLE trace_cells IS 'The grid: one corrupted run restored at one (token, layer) per row, per traced prompt and kind.';
COMMENT ON COLUMN trace_cells.kind IS 'hidden: the layer''s output (residual stream); mlp / attn: the module''s outputs over the window of layers centred on layer.';
COMMENT ON COLUMN trace_cells.p_restored IS 'p(object''s first token) of the corrupted run with the clean state restored, mean over noise samples.';
COMMENT ON COLUMN trace_cells.indirect_effect IS 'p_restored - p_corrupt.';

CREATE TABLE trace_average (
    kind            VARCHAR NOT NULL,
    token_class     VARCHAR NOT NULL,
    layer           INTEGER NOT NULL,
    indirect_effect DOUBLE NOT NULL,
    n_prompts       INTEGER NOT NULL,
    PRIMARY KEY (kind, token_class, layer)
);
COMMENT ON TABLE trace_average IS 'Average indirect effect by token class and layer (ROME Fig. 2): the mean over prompts of the mean over the class''s tokens.';
COMMENT ON COLUMN trace_average.token_class IS 'first subject token, middle subject tokens, last subject token, first subsequent token, further tokens or last token.';
COMMENT ON COLUMN trace_average.n_prompts IS 'Traced prompts that have a token of the class.';
