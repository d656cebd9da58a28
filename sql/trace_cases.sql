-- trace_cases.sql: the first cases' facts (s1, r1, o*) for causal tracing (kgedit trace --cases N).
-- Parameters: $n (INTEGER: at most this many cases). Columns: source_id (case_id), subject, prompt, object.
SELECT c.case_id AS source_id, s.name AS subject, c.edit_prompt AS prompt, o.name AS object
FROM cases c
JOIN entities s ON s.entity_id = c.subject_id
JOIN entities o ON o.entity_id = c.object_id
ORDER BY c.case_id
LIMIT $n
