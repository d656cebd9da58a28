-- bayes_fit_summary.sql: what kgedit.bayes.fit reports after a fit. Parameters: none.
-- Columns: evidence_rows, subject_relations (rows of bayes_totals), conditional_values (rows of
-- bayes_conditional_totals).
SELECT (SELECT evidence_rows FROM bayes_info) AS evidence_rows,
       (SELECT count(*) FROM bayes_totals) AS subject_relations,
       (SELECT count(*) FROM bayes_conditional_totals) AS conditional_values
