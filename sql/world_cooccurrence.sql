-- world_cooccurrence.sql: C[i,j] of SPEC 1.2 into relation_cooccurrence.
-- Parameters: none. Reads the temp table subject_relation(subject_id, relation_id) (distinct pairs).
-- A subject contributes to C[i,j] (i != j, both orders) when it has both relations; a subject with a
-- single relation has no pair, so "subjects with >= 2 distinct relations" needs no separate filter.
INSERT INTO relation_cooccurrence
SELECT a.relation_id, b.relation_id, count(*)
FROM subject_relation a
JOIN subject_relation b ON a.subject_id = b.subject_id AND a.relation_id <> b.relation_id
GROUP BY a.relation_id, b.relation_id
ORDER BY a.relation_id, b.relation_id;
