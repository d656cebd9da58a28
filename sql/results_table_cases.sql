-- results_table_cases.sql: Tables 4/5 inputs (kgedit.evaluate.tables): the edited cases and what decides
-- their split. Parameters: $weight VARCHAR ('n_prime' | 'n': the edit weight whose downstream change counts).
-- Columns: case_id, reinforces, downstream_answer_changes; ordered by case_id.
SELECT c.case_id, c.reinforces,
       CASE WHEN $weight::VARCHAR = 'n_prime' THEN c.downstream_answer_changes ELSE c.downstream_answer_changes_n END
         AS downstream_answer_changes
FROM eval_cases c JOIN edits e USING (case_id)
ORDER BY c.case_id
