-- sequential.sql: schema of a sequential-editing run (OUT/sequential.duckdb), SPEC §8-9 (Li et al. degradation).
-- Created by `kgedit evaluate --sequential N1,N2,…`, built atomically at the end of the run.

CREATE TABLE sequential_info (
    config       JSON NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    heldout      JSON NOT NULL,
    wall_seconds DOUBLE NOT NULL
);
COMMENT ON TABLE sequential_info IS 'One row: the run''s configuration; a rerun with another configuration into the same folder is refused.';
COMMENT ON COLUMN sequential_info.config IS 'Editor and its parameters, edit counts, seed, held-out sample sizes, model identity, paths (JSON).';
COMMENT ON COLUMN sequential_info.fingerprint IS 'Hash of everything that determines the results (not paths, device or batch size).';
COMMENT ON COLUMN sequential_info.heldout IS 'How many held-out facts and sentences per kind were measured (JSON).';
COMMENT ON COLUMN sequential_info.wall_seconds IS 'Wall time of editing and measuring.';

CREATE TABLE sequential_points (
    n_edits         INTEGER PRIMARY KEY,
    heldout_gen_acc DOUBLE,
    tf_acc          DOUBLE,
    not_acc         DOUBLE,
    and_acc         DOUBLE,
    or_acc          DOUBLE,
    edits_retained  DOUBLE,
    edit_seconds    DOUBLE NOT NULL
);
COMMENT ON TABLE sequential_points IS 'The degradation curve: the model after n_edits cumulative edits (0 = unedited).';
COMMENT ON COLUMN sequential_points.n_edits IS 'Edits applied so far (cases 0 .. n_edits-1, in case order, never reset).';
COMMENT ON COLUMN sequential_points.heldout_gen_acc IS 'Generative accuracy (exact match) on held-out corpus facts (no edited subject-relation pair).';
COMMENT ON COLUMN sequential_points.tf_acc IS 'Accuracy of p(true) > p(false) on held-out "A" is true/false sentences.';
COMMENT ON COLUMN sequential_points.not_acc IS 'The same on held-out negated sentences.';
COMMENT ON COLUMN sequential_points.and_acc IS 'The same on held-out conjunctions.';
COMMENT ON COLUMN sequential_points.or_acc IS 'The same on held-out disjunctions.';
COMMENT ON COLUMN sequential_points.edits_retained IS 'Share of the n_edits edited prompts whose greedy answer is still the requested object (NULL at 0).';
COMMENT ON COLUMN sequential_points.edit_seconds IS 'Wall time of the edits so far (not the measuring).';

CREATE TABLE sequential_edits (
    step       INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL,
    seconds    DOUBLE NOT NULL,
    final_loss DOUBLE NOT NULL
);
COMMENT ON TABLE sequential_edits IS 'One row per applied edit, in order.';
COMMENT ON COLUMN sequential_edits.step IS '1-based position of the edit in the sequence.';
COMMENT ON COLUMN sequential_edits.case_id IS 'cases.case_id of the edit request.';
COMMENT ON COLUMN sequential_edits.seconds IS 'Wall time of this edit.';
COMMENT ON COLUMN sequential_edits.final_loss IS 'Mean per-token NLL of the requested object right after this edit.';
