-- results_copy_cases.sql: copy the evaluated cases (case_id < $n) and what scoring them needs from the
-- attached world database (schema `world`) into a new results database. Statements run in order.
INSERT INTO eval_cases SELECT * FROM world.cases WHERE case_id < $n ORDER BY case_id;
INSERT INTO eval_case_probes SELECT * FROM world.case_probes WHERE case_id < $n ORDER BY case_id, probe, role;
INSERT INTO eval_logical_probes SELECT * FROM world.case_logical_probes WHERE case_id < $n ORDER BY case_id, kind;
INSERT INTO eval_candidates
    SELECT DISTINCT relation_id, object_id FROM world.facts
    UNION SELECT relation_id, object_id FROM eval_case_probes
    ORDER BY ALL;
INSERT INTO eval_objects
    SELECT entity_id, name FROM world.entities
    WHERE entity_id IN (SELECT object_id FROM eval_candidates) ORDER BY entity_id;
INSERT INTO eval_subjects
    SELECT entity_id, name FROM world.entities
    WHERE entity_id IN (SELECT subject_id FROM eval_cases UNION SELECT other_subject_id FROM eval_cases)
    ORDER BY entity_id;
