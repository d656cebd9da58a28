-- lm_probe_facts.sql: a seeded sample of corpus facts for generative accuracy, with surface strings.
-- Parameters: $seed (INTEGER), $n (INTEGER: at most this many facts). Columns: fact_id, subject, relation, object.
SELECT f.fact_id, s.name AS subject, r.label AS relation, o.name AS object
FROM corpus_facts f
JOIN entities s ON s.entity_id = f.subject_id
JOIN relations r ON r.relation_id = f.relation_id
JOIN entities o ON o.entity_id = f.object_id
ORDER BY hash(f.fact_id, $seed), f.fact_id
LIMIT $n
