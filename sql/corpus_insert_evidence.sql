-- corpus_insert_evidence.sql: the evidence each sentence gives the Bayesian model (SPEC 3).
--   atomic +1 | tf true +1, false -1 | or true 2/3 each component, false -1 each
--   and true +1 each, false 1/3 each | not: "not o*" is false -> +1 on o*, "not o_false" is true -> -1
-- Parameters: $copies (number of corpus copies = --doc-resamples).
INSERT INTO evidence
WITH weighted AS (
    SELECT *,
           CASE kind
               WHEN 'atomic' THEN 1.0
               WHEN 'tf' THEN CASE WHEN label THEN 1.0 ELSE -1.0 END
               WHEN 'or' THEN CASE WHEN label THEN CAST(2 AS DOUBLE) / 3 ELSE -1.0 END
               WHEN 'and' THEN CASE WHEN label THEN 1.0 ELSE CAST(1 AS DOUBLE) / 3 END
               WHEN 'not' THEN CASE WHEN label THEN -1.0 ELSE 1.0 END
           END::DOUBLE AS weight
    FROM sentences
)
SELECT sentence_id, component, subject_id, relation_id, object_id, weight, copies FROM (
    SELECT sentence_id, 0::SMALLINT AS component, subject_id, relation_id, object_id, weight,
           CAST($copies AS INTEGER) AS copies
    FROM weighted
    UNION ALL
    SELECT sentence_id, 1::SMALLINT, other_subject_id, other_relation_id, other_object_id, weight,
           CAST($copies AS INTEGER)
    FROM weighted WHERE kind IN ('or', 'and')
)
ORDER BY sentence_id, component;
