-- trace_subject_names.sql: every distinct subject name of the corpus facts; causal tracing measures the
-- standard deviation of their tokens' input embeddings (the noise scale). Parameters: none. Columns: name.
SELECT DISTINCT s.name
FROM corpus_facts f
JOIN entities s ON s.entity_id = f.subject_id
ORDER BY s.name
