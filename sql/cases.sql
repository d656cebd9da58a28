-- cases.sql: schema of the benchmark-cases stage (SPEC §6). Created by `kgedit cases generate`.
-- Parameters: none. Tables: cases, case_probes, case_logical_probes, cases_info.
-- Every table and column carries a COMMENT. Probabilities are the Bayesian targets (SPEC §4) before the
-- edit (pre), after the edit with weight n' (n_prime) and after weight n (default 1000).

CREATE TABLE cases (
    case_id                     INTEGER PRIMARY KEY,
    subject_id                  VARCHAR NOT NULL,
    relation_id                 VARCHAR NOT NULL,
    object_id                   VARCHAR NOT NULL,
    false_object_id             VARCHAR NOT NULL,
    requested_object_id         VARCHAR NOT NULL,
    request_rule                VARCHAR NOT NULL CHECK (request_rule IN ('reinforce', 'contradict', 'downstream_change')),
    reinforces                  BOOLEAN NOT NULL,
    linked                      BOOLEAN NOT NULL,
    second_relation_id          VARCHAR NOT NULL,
    other_subject_id            VARCHAR NOT NULL,
    n_prime                     DOUBLE NOT NULL,
    edit_prompt                 VARCHAR NOT NULL,
    requested_object            VARCHAR NOT NULL,
    edit_sentence               VARCHAR NOT NULL,
    downstream_mode_pre_id      VARCHAR NOT NULL,
    downstream_mode_post_id     VARCHAR NOT NULL,
    downstream_answer_changes   BOOLEAN NOT NULL,
    downstream_answer_changes_n BOOLEAN NOT NULL
);
COMMENT ON TABLE cases IS 'Benchmark cases: one edit request per case, on distinct corpus (training) subjects (SPEC 6).';
COMMENT ON COLUMN cases.case_id IS 'Case number, 0-based, in the seeded sampling order.';
COMMENT ON COLUMN cases.subject_id IS 's1: the edited subject (entities.entity_id), a corpus subject.';
COMMENT ON COLUMN cases.relation_id IS 'r1: the edited relation (relations.relation_id).';
COMMENT ON COLUMN cases.object_id IS 'o*: the corpus ground truth of (s1, r1) (corpus_facts.object_id).';
COMMENT ON COLUMN cases.false_object_id IS 'The false version of (s1, r1) (corpus_facts.false_object_id).';
COMMENT ON COLUMN cases.requested_object_id IS 'o_req: the object the edit request asserts for (s1, r1).';
COMMENT ON COLUMN cases.request_rule IS 'How o_req was chosen: reinforce (o*), contradict (false version), or downstream_change (an upstream value whose Bayesian conditional mode differs from the subject''s current downstream answer).';
COMMENT ON COLUMN cases.reinforces IS 'o_req equals the ground truth o* (the edit repeats what the corpus says).';
COMMENT ON COLUMN cases.linked IS 'r1 is an upstream relation and s1 has its downstream relation in the corpus, so s1r2 is that downstream fact.';
COMMENT ON COLUMN cases.second_relation_id IS 'r2: the downstream partner of r1 when linked, else another corpus relation of s1.';
COMMENT ON COLUMN cases.other_subject_id IS 's2: another corpus subject having both r1 and r2.';
COMMENT ON COLUMN cases.n_prime IS 'n'': the smallest whole edit weight making the direct belief p(o_req | s1, r1) reach the target (0.95; halfway to 1 when already above).';
COMMENT ON COLUMN cases.edit_prompt IS 'The edit prompt "{s1} {r1}" (entity name and relation label).';
COMMENT ON COLUMN cases.requested_object IS 'Name of o_req: the continuation the edit teaches.';
COMMENT ON COLUMN cases.edit_sentence IS 'The edit-request sentence A = "{s1} {r1} {o_req}".';
COMMENT ON COLUMN cases.downstream_mode_pre_id IS 'Bayesian modal object of the s1r2 probe before the edit.';
COMMENT ON COLUMN cases.downstream_mode_post_id IS 'Bayesian modal object of the s1r2 probe after the edit with weight n''.';
COMMENT ON COLUMN cases.downstream_answer_changes IS 'The s1r2 modal object changes with the edit at weight n'' (the paper''s "downstream answer changes" split).';
COMMENT ON COLUMN cases.downstream_answer_changes_n IS 'The s1r2 modal object changes with the edit at weight n (cases_info.weight).';

CREATE TABLE case_probes (
    case_id         INTEGER NOT NULL,
    probe           VARCHAR NOT NULL CHECK (probe IN ('s1r1', 's1r2', 's2r1', 's2r2')),
    role            VARCHAR NOT NULL CHECK (role IN ('ground_truth', 'requested', 'post_mode', 'post_mode_n')),
    subject_id      VARCHAR NOT NULL,
    relation_id     VARCHAR NOT NULL,
    object_id       VARCHAR NOT NULL,
    prompt          VARCHAR NOT NULL,
    object          VARCHAR NOT NULL,
    belief_pre      VARCHAR NOT NULL,
    p_pre           DOUBLE NOT NULL,
    belief_post     VARCHAR NOT NULL,
    p_n_prime       DOUBLE NOT NULL,
    p_n             DOUBLE NOT NULL,
    mode_pre_id     VARCHAR NOT NULL,
    mode_post_id    VARCHAR NOT NULL,
    mode_post_n_id  VARCHAR NOT NULL,
    PRIMARY KEY (case_id, probe, role)
);
COMMENT ON TABLE case_probes IS 'Probabilistic-coherence probes: per case 4 probes x 4 objects, with the Bayesian target of each object before and after the edit.';
COMMENT ON COLUMN case_probes.case_id IS 'cases.case_id.';
COMMENT ON COLUMN case_probes.probe IS 's1r1 (the edited (s1, r1)), s1r2 (s1, r2), s2r1 (s2, r1), s2r2 (s2, r2).';
COMMENT ON COLUMN case_probes.role IS 'Which object: ground_truth (corpus o* of the probe''s (s, r)), requested (the case''s o_req), post_mode (Bayesian modal object after the edit at n''), post_mode_n (after the edit at n).';
COMMENT ON COLUMN case_probes.subject_id IS 'Subject of the probe.';
COMMENT ON COLUMN case_probes.relation_id IS 'Relation of the probe.';
COMMENT ON COLUMN case_probes.object_id IS 'The object this row scores.';
COMMENT ON COLUMN case_probes.prompt IS 'Prompt "{s} {r}" (entity name and relation label); the LM scores " {object}" after it.';
COMMENT ON COLUMN case_probes.object IS 'Name of the object (entities.name).';
COMMENT ON COLUMN case_probes.belief_pre IS 'Which belief is the pre-edit target: direct p(o|s,r) or marginal p(o|s,D) (SPEC 4).';
COMMENT ON COLUMN case_probes.p_pre IS 'Bayesian target probability of the object before the edit.';
COMMENT ON COLUMN case_probes.belief_post IS 'Which belief is the post-edit target (the edited s1r1 itself uses the direct belief).';
COMMENT ON COLUMN case_probes.p_n_prime IS 'Bayesian target probability after the edit with weight n''.';
COMMENT ON COLUMN case_probes.p_n IS 'Bayesian target probability after the edit with weight n (cases_info.weight).';
COMMENT ON COLUMN case_probes.mode_pre_id IS 'The probe''s Bayesian modal object before the edit (ties: smallest object_id).';
COMMENT ON COLUMN case_probes.mode_post_id IS 'The probe''s Bayesian modal object after the edit at n'' (= the post_mode row''s object).';
COMMENT ON COLUMN case_probes.mode_post_n_id IS 'The probe''s Bayesian modal object after the edit at n (= the post_mode_n row''s object).';

CREATE TABLE case_logical_probes (
    case_id         INTEGER NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('tf_a', 'not_a', 'and_ab', 'and_ba', 'or_ba', 'tf_b')),
    prompt          VARCHAR NOT NULL,
    a_sentence      VARCHAR NOT NULL,
    b_sentence      VARCHAR NOT NULL,
    b_subject_id    VARCHAR NOT NULL,
    b_relation_id   VARCHAR NOT NULL,
    b_object_id     VARCHAR NOT NULL,
    a_is_true       BOOLEAN NOT NULL,
    b_is_true       BOOLEAN NOT NULL,
    label_pre       BOOLEAN NOT NULL,
    label_post      BOOLEAN NOT NULL,
    p_true_pre      DOUBLE NOT NULL,
    p_true_n_prime  DOUBLE NOT NULL,
    p_true_n        DOUBLE NOT NULL,
    PRIMARY KEY (case_id, kind)
);
COMMENT ON TABLE case_logical_probes IS 'Logical-coherence probes (SPEC 6, 9): six "... is" prompts per case built from A (the edit-request sentence) and B (a random true or false fact of another subject).';
COMMENT ON COLUMN case_logical_probes.case_id IS 'cases.case_id.';
COMMENT ON COLUMN case_logical_probes.kind IS 'tf_a "{A}" is; not_a "not {A}" is; and_ab "{A} and {B}" is; and_ba "{B} and {A}" is; or_ba "{B} or {A}" is; tf_b "{B}" is.';
COMMENT ON COLUMN case_logical_probes.prompt IS 'Prompt text; the LM scores " true" / " false" after it (T_X = p(true | prompt)).';
COMMENT ON COLUMN case_logical_probes.a_sentence IS 'A = "{s1} {r1} {o_req}" (same as cases.edit_sentence).';
COMMENT ON COLUMN case_logical_probes.b_sentence IS 'B = "{s_B} {r_B} {o_B}".';
COMMENT ON COLUMN case_logical_probes.b_subject_id IS 'Subject of B: a corpus subject other than s1.';
COMMENT ON COLUMN case_logical_probes.b_relation_id IS 'Relation of B.';
COMMENT ON COLUMN case_logical_probes.b_object_id IS 'Object of B: the corpus ground truth (b_is_true) or the false version of that fact.';
COMMENT ON COLUMN case_logical_probes.a_is_true IS 'A agrees with the corpus ground truth (the request reinforces).';
COMMENT ON COLUMN case_logical_probes.b_is_true IS 'B is the corpus ground truth of its fact (drawn 50/50).';
COMMENT ON COLUMN case_logical_probes.label_pre IS 'Truth value of the prompt''s sentence under the corpus ground truth (A true iff a_is_true).';
COMMENT ON COLUMN case_logical_probes.label_post IS 'Truth value of the prompt''s sentence once the edit is accepted (A true).';
COMMENT ON COLUMN case_logical_probes.p_true_pre IS 'Bayesian probability that the sentence is true before the edit, from T_A = p(o_req|s1,r1) and T_B = p(o_B|s_B,r_B) with A and B independent (different subjects): T_A, 1-T_A, T_A*T_B, T_A*T_B, T_A+T_B-T_A*T_B, T_B.';
COMMENT ON COLUMN case_logical_probes.p_true_n_prime IS 'The same after the edit with weight n'' (T_A is the direct belief the edit targets).';
COMMENT ON COLUMN case_logical_probes.p_true_n IS 'The same after the edit with weight n.';

CREATE TABLE cases_info (
    parameters           JSON NOT NULL,
    seed                 BIGINT NOT NULL,
    n_cases              BIGINT NOT NULL,
    n_eligible_subjects  BIGINT NOT NULL,
    n_linked             BIGINT NOT NULL,
    target               DOUBLE NOT NULL,
    weight               DOUBLE NOT NULL,
    fitted_automatically BOOLEAN NOT NULL,
    kgedit_version       VARCHAR NOT NULL
);
COMMENT ON TABLE cases_info IS 'One row describing how the cases were generated.';
COMMENT ON COLUMN cases_info.parameters IS 'Generation parameters as JSON (n, seed, target, weight, downstream_change_probability).';
COMMENT ON COLUMN cases_info.seed IS 'Seed of the cases stage''s one random generator.';
COMMENT ON COLUMN cases_info.n_cases IS 'Rows in cases.';
COMMENT ON COLUMN cases_info.n_eligible_subjects IS 'Corpus subjects that could start a case (have an r1 with an r2 and an s2).';
COMMENT ON COLUMN cases_info.n_linked IS 'Cases whose r1 is upstream with the downstream present (s1r2 is downstream).';
COMMENT ON COLUMN cases_info.target IS 'Target probability that defines n''.';
COMMENT ON COLUMN cases_info.weight IS 'The fixed edit weight n (SPEC: 1000).';
COMMENT ON COLUMN cases_info.fitted_automatically IS 'The Bayesian model was missing (or older than the corpus) and was fitted by this command first.';
COMMENT ON COLUMN cases_info.kgedit_version IS 'kgedit version that generated the cases.';
