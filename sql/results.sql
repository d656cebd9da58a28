-- results.sql: schema of an evaluation's results database (results/results.duckdb), SPEC §9.
-- Created by `kgedit evaluate`. The eval_* tables copy the evaluated cases and their Bayesian targets
-- from the world database, so `kgedit report` needs nothing but this folder.

CREATE TABLE eval_info (
    config      JSON NOT NULL,
    fingerprint VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL
);
COMMENT ON TABLE eval_info IS 'One row: the evaluation''s configuration; a resumed run must have the same fingerprint.';
COMMENT ON COLUMN eval_info.config IS 'Model, world, editor and its parameters, cases, seed, device, versions (JSON).';
COMMENT ON COLUMN eval_info.fingerprint IS 'Hash of everything that determines the results (not the device or batch size).';
COMMENT ON COLUMN eval_info.started_at IS 'When the evaluation was first started (UTC).';

CREATE TABLE eval_cases AS SELECT * FROM world.cases WHERE false;
COMMENT ON TABLE eval_cases IS 'The evaluated cases (a copy of the world''s cases rows, case_id < --cases).';
CREATE TABLE eval_case_probes AS SELECT * FROM world.case_probes WHERE false;
COMMENT ON TABLE eval_case_probes IS 'Bayesian targets of the evaluated cases'' probes (copy of case_probes).';
CREATE TABLE eval_logical_probes AS SELECT * FROM world.case_logical_probes WHERE false;
COMMENT ON TABLE eval_logical_probes IS 'Logical probes of the evaluated cases with Bayesian p(true) (copy of case_logical_probes).';
CREATE TABLE eval_candidates (
    relation_id VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    PRIMARY KEY (relation_id, object_id)
);
COMMENT ON TABLE eval_candidates IS 'Candidate objects of each relation: every object the relation has in the world''s facts (plus any probe object); p_norm renormalises over these.';
COMMENT ON COLUMN eval_candidates.relation_id IS 'relations.relation_id.';
COMMENT ON COLUMN eval_candidates.object_id IS 'A candidate object of the relation.';
CREATE TABLE eval_objects (
    object_id VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL
);
COMMENT ON TABLE eval_objects IS 'Names of every candidate object.';
COMMENT ON COLUMN eval_objects.object_id IS 'entities.entity_id.';
COMMENT ON COLUMN eval_objects.name IS 'entities.name: the text the LM scores and generates.';
CREATE TABLE eval_subjects (
    subject_id VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL
);
COMMENT ON TABLE eval_subjects IS 'Names of the evaluated cases'' subjects (s1 and s2): editors that locate the subject in the prompt (rome, memit) and the fluency prompts "{s}" need them.';
COMMENT ON COLUMN eval_subjects.subject_id IS 'entities.entity_id.';
COMMENT ON COLUMN eval_subjects.name IS 'entities.name: the subject as the prompts write it.';

-- include: results_measurements.sql
