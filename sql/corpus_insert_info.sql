-- corpus_insert_info.sql: the one corpus_info row.
-- Parameters: $parameters (JSON text), $seed, $version. Counts are taken from the corpus tables.
INSERT INTO corpus_info
SELECT CAST($parameters AS JSON), $seed,
       (SELECT count(*) FROM corpus_facts),
       (SELECT count(DISTINCT subject_id) FROM corpus_facts),
       (SELECT count(*) FROM sentences),
       (SELECT count(*) FROM documents),
       (SELECT count(*) FROM evidence),
       $version;
