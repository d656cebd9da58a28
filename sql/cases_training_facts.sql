-- cases_training_facts.sql: the corpus (training) facts as integer codes for the case sampler.
-- Parameters: none. Columns: subject (dense code in subject_id order), relation (code in relation_id
-- order), partner (code of the pair partner), upstream (relation is upstream), object, false_object
-- (objects.object_idx). Rows ordered by subject_id, relation_id so codes and order are deterministic.
WITH rel AS (
    SELECT relation_id, partner_id, role, (row_number() OVER (ORDER BY relation_id) - 1)::INTEGER AS code
    FROM relations
)
SELECT (dense_rank() OVER (ORDER BY f.subject_id) - 1)::INTEGER AS subject,
       r.code AS relation, p.code AS partner, r.role = 'upstream' AS upstream,
       o.object_idx AS object, fo.object_idx AS false_object
FROM corpus_facts f
JOIN rel r ON r.relation_id = f.relation_id
JOIN rel p ON p.relation_id = r.partner_id
JOIN objects o ON o.object_id = f.object_id
JOIN objects fo ON fo.object_id = f.false_object_id
ORDER BY f.subject_id, f.relation_id
