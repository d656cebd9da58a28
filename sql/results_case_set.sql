-- results_case_set.sql: the evaluated cases with their subjects' names, from a results database
-- (kgedit.evaluate.cases.load_case_set). Parameters: none.
-- Columns: case_id, edit_prompt, requested_object, subject_id, relation_id, requested_object_id,
-- subject (s1's name), other_subject (s2's name); ordered by case_id.
SELECT c.case_id, c.edit_prompt, c.requested_object, c.subject_id, c.relation_id, c.requested_object_id,
       s1.name AS subject, s2.name AS other_subject
FROM eval_cases c
JOIN eval_subjects s1 ON s1.subject_id = c.subject_id
JOIN eval_subjects s2 ON s2.subject_id = c.other_subject_id
ORDER BY c.case_id
