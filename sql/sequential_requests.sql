-- sequential_requests.sql: the first $n cases of a world as edit requests for sequential editing
-- (kgedit.evaluate.sequential), in case order. Parameters: $n BIGINT.
-- Columns (kgedit.editors.EditRequest's fields in order): prompt, target, case_id, subject_id,
-- relation_id, object_id, subject (the subject's name).
SELECT c.edit_prompt, c.requested_object, c.case_id, c.subject_id, c.relation_id, c.requested_object_id, e.name
FROM cases c JOIN entities e ON e.entity_id = c.subject_id
WHERE c.case_id < $n
ORDER BY c.case_id
