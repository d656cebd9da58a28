-- corpus_drop.sql: remove the corpus stage's tables (run inside a transaction by --overwrite).
-- Parameters: none.
DROP VIEW IF EXISTS gen_distributions;
DROP TABLE IF EXISTS evidence;
DROP TABLE IF EXISTS documents;
DROP TABLE IF EXISTS sentences;
DROP TABLE IF EXISTS gen_conditionals;
DROP TABLE IF EXISTS corpus_facts;
DROP TABLE IF EXISTS corpus_info;
