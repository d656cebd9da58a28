-- results_measurements.sql: the measured rows of an evaluation (SPEC §9): generations, probe and logical
-- scores before and after each case's edit, and the edit itself. Part of results.sql, and the whole of
-- each torchrun rank's part (results_part.sql).

CREATE TABLE generations (
    case_id     INTEGER NOT NULL,
    phase       VARCHAR NOT NULL CHECK (phase IN ('pre', 'post')),
    probe       VARCHAR NOT NULL,
    generation  VARCHAR NOT NULL,
    PRIMARY KEY (case_id, phase, probe)
);
COMMENT ON TABLE generations IS 'Greedy continuation of each probe prompt "{s} {r}" before and after the case''s edit, cut at the first sentence boundary (not normalised); and per case the free 32-token continuation of "{s1}" (probe fluency) that CounterFact''s fluency GE is computed on.';
COMMENT ON COLUMN generations.case_id IS 'eval_cases.case_id.';
COMMENT ON COLUMN generations.phase IS 'pre: the unedited model; post: after the case''s edit (each case starts from the unedited model).';
COMMENT ON COLUMN generations.probe IS 's1r1, s1r2, s2r1, s2r2, or fluency (continuation of the subject s1 alone).';
COMMENT ON COLUMN generations.generation IS 'The generated text.';

CREATE TABLE probe_scores (
    case_id     INTEGER NOT NULL,
    phase       VARCHAR NOT NULL CHECK (phase IN ('pre', 'post')),
    probe       VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    logp        DOUBLE NOT NULL,
    p_norm      DOUBLE NOT NULL,
    PRIMARY KEY (case_id, phase, probe, role)
);
COMMENT ON TABLE probe_scores IS 'The LM''s probability of each probe object (the roles of eval_case_probes).';
COMMENT ON COLUMN probe_scores.role IS 'ground_truth, requested, post_mode or post_mode_n (eval_case_probes.role).';
COMMENT ON COLUMN probe_scores.object_id IS 'The scored object.';
COMMENT ON COLUMN probe_scores.logp IS 'log p_LM(" {object}" | [BOS] prompt): sum of the object''s token log-probs over the full vocabulary.';
COMMENT ON COLUMN probe_scores.p_norm IS 'p_LM of the object renormalised over the relation''s candidate objects (every object the relation has in the world).';

CREATE TABLE logical_scores (
    case_id     INTEGER NOT NULL,
    phase       VARCHAR NOT NULL CHECK (phase IN ('pre', 'post')),
    kind        VARCHAR NOT NULL,
    t_lm        DOUBLE NOT NULL,
    PRIMARY KEY (case_id, phase, kind)
);
COMMENT ON TABLE logical_scores IS 'T_X = p_LM(" true") / (p_LM(" true") + p_LM(" false")) after each logical prompt.';
COMMENT ON COLUMN logical_scores.kind IS 'tf_a, not_a, and_ab, and_ba, or_ba or tf_b (eval_logical_probes.kind).';
COMMENT ON COLUMN logical_scores.t_lm IS 'The LM''s credence that the quoted sentence is true.';

CREATE TABLE edits (
    case_id     INTEGER PRIMARY KEY,
    seconds     DOUBLE NOT NULL,
    final_loss  DOUBLE NOT NULL,
    trace       JSON
);
COMMENT ON TABLE edits IS 'One row per edited case, written together with the case''s post-edit rows (a case is done when it is here).';
COMMENT ON COLUMN edits.seconds IS 'Wall time of the edit itself (not the scoring).';
COMMENT ON COLUMN edits.final_loss IS 'Mean per-token NLL of the requested object after the edit.';
COMMENT ON COLUMN edits.trace IS 'Per-step [{step, loss, p_target}] when --trace was given, else NULL.';
