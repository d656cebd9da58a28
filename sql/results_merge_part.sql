-- results_merge_part.sql: copy one rank's part (attached as schema `part`) into the results database.
-- Rows of a (case, phase) the results already hold are skipped, so merging a part twice (a run stopped
-- between the merge and the part's removal) doubles nothing. Statements run in order; no parameters.
INSERT INTO generations SELECT * FROM part.generations p WHERE NOT EXISTS
    (SELECT 1 FROM generations g WHERE g.case_id = p.case_id AND g.phase = p.phase) ORDER BY ALL;
INSERT INTO probe_scores SELECT * FROM part.probe_scores p WHERE NOT EXISTS
    (SELECT 1 FROM probe_scores s WHERE s.case_id = p.case_id AND s.phase = p.phase) ORDER BY ALL;
INSERT INTO logical_scores SELECT * FROM part.logical_scores p WHERE NOT EXISTS
    (SELECT 1 FROM logical_scores s WHERE s.case_id = p.case_id AND s.phase = p.phase) ORDER BY ALL;
INSERT INTO edits SELECT * FROM part.edits p WHERE NOT EXISTS
    (SELECT 1 FROM edits e WHERE e.case_id = p.case_id) ORDER BY case_id;
