-- results_table_logical.sql: Tables 4/5 inputs (kgedit.evaluate.tables): the LM's credences in the
-- logical sentences of the edited cases. Parameters: none. Columns: case_id, phase, kind, t_lm.
SELECT case_id, phase, kind, t_lm FROM logical_scores
WHERE case_id IN (SELECT case_id FROM edits)
ORDER BY ALL
