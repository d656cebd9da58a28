-- bayes_info.sql: the one-row table bayes_info of a fit (kgedit.bayes.fit); comments in bayes_info_comments.sql.
-- Parameters: $prior_mass DOUBLE, $n_objects BIGINT (K), $corpus_fingerprint VARCHAR.
-- Columns: prior_mass, n_objects, alpha (= prior_mass / K), evidence_rows, corpus_fingerprint.
CREATE TABLE bayes_info AS
SELECT $prior_mass::DOUBLE AS prior_mass, $n_objects::BIGINT AS n_objects,
       $prior_mass::DOUBLE / $n_objects::BIGINT AS alpha, (SELECT count(*) FROM evidence) AS evidence_rows,
       $corpus_fingerprint::VARCHAR AS corpus_fingerprint
