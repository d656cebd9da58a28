-- results_table_objects.sql: Tables 4/5 inputs (kgedit.evaluate.tables): the requested and the true
-- object's name of each edited case. Parameters: none.
-- Columns: case_id, requested_object, ground_truth; ordered by case_id.
SELECT c.case_id, c.requested_object, g.name AS ground_truth
FROM eval_cases c JOIN eval_objects g ON g.object_id = c.object_id
WHERE c.case_id IN (SELECT case_id FROM edits)
ORDER BY c.case_id
