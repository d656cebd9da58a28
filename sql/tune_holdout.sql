-- tune_holdout.sql: keep only the cases whose edited subject (s1) is not in _tune_excluded (a registered
-- relation with a subject_id column: the subjects the parameters are tuned on), renumbered 0, 1, … in
-- their sampling order, so `--cases N` takes the first N held-out cases; cases_info.n_cases follows.
-- Used by kgedit.tune.case_sets on its own copy of the world. Parameters: none. Run in one transaction.
CREATE TEMP TABLE _tune_renumber AS
    SELECT case_id AS old_id, (row_number() OVER (ORDER BY case_id) - 1)::INTEGER AS new_id
    FROM cases WHERE subject_id NOT IN (SELECT subject_id FROM _tune_excluded);
CREATE TEMP TABLE _tune_cases AS
    SELECT c.* REPLACE (r.new_id AS case_id) FROM cases c JOIN _tune_renumber r ON c.case_id = r.old_id;
CREATE TEMP TABLE _tune_probes AS
    SELECT p.* REPLACE (r.new_id AS case_id) FROM case_probes p JOIN _tune_renumber r ON p.case_id = r.old_id;
CREATE TEMP TABLE _tune_logical AS
    SELECT l.* REPLACE (r.new_id AS case_id) FROM case_logical_probes l JOIN _tune_renumber r ON l.case_id = r.old_id;
DELETE FROM case_logical_probes;
DELETE FROM case_probes;
DELETE FROM cases;
INSERT INTO cases SELECT * FROM _tune_cases ORDER BY case_id;
INSERT INTO case_probes SELECT * FROM _tune_probes ORDER BY case_id, probe, role;
INSERT INTO case_logical_probes SELECT * FROM _tune_logical ORDER BY case_id, kind;
UPDATE cases_info SET n_cases = (SELECT count(*) FROM cases);
DROP TABLE _tune_renumber;
DROP TABLE _tune_cases;
DROP TABLE _tune_probes;
DROP TABLE _tune_logical;
