-- lm_probe_sentences.sql: a seeded sample of labelled sentences (tf, not, and, or) per kind.
-- Parameters: $seed (INTEGER), $n (INTEGER: at most this many per kind). Columns: sentence_id, kind, text, label.
SELECT sentence_id, kind, text, label
FROM sentences
WHERE kind IN ('tf', 'not', 'and', 'or') AND label IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY kind ORDER BY hash(sentence_id, $seed), sentence_id) <= $n
ORDER BY kind, sentence_id
