-- cases_drop.sql: remove the cases stage's tables (run inside a transaction by --overwrite).
-- Parameters: none.
DROP TABLE IF EXISTS case_logical_probes;
DROP TABLE IF EXISTS case_probes;
DROP TABLE IF EXISTS cases;
DROP TABLE IF EXISTS cases_info;
