-- query_subject_id.sql: the id of an entity named $name that is a subject (has facts of its own)
-- (kgedit.query.resolve). Parameters: $name VARCHAR. Column: entity_id (no row: not a subject).
SELECT e.entity_id FROM entities e
WHERE e.name = $name AND EXISTS (SELECT 1 FROM facts f WHERE f.subject_id = e.entity_id)
