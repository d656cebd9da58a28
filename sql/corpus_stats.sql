-- corpus_stats.sql: the counts of the paper's Table 6 for this corpus. Parameters: none.
-- Columns: facts, atomic, tf, and_or_not, documents, subjects, relations, objects_world, objects_named.
SELECT
    (SELECT count(*) FROM corpus_facts) AS facts,
    (SELECT count(*) FROM sentences WHERE kind = 'atomic') AS atomic,
    (SELECT count(*) FROM sentences WHERE kind = 'tf') AS tf,
    (SELECT count(*) FROM sentences WHERE kind IN ('and', 'or', 'not')) AS and_or_not,
    (SELECT count(*) FROM documents) AS documents,
    (SELECT count(DISTINCT subject_id) FROM corpus_facts) AS subjects,
    (SELECT count(DISTINCT relation_id) FROM corpus_facts) AS relations,
    (SELECT count(*) FROM objects) AS objects_world,
    (SELECT count(DISTINCT o) FROM (SELECT object_id AS o FROM sentences
                                    UNION ALL SELECT other_object_id FROM sentences WHERE other_object_id IS NOT NULL)) AS objects_named;
