-- results_fluency_generations.sql: the generations of one probe for every edited case, before and after
-- (the fluency of kgedit.evaluate.counterfact). Parameters: $probe VARCHAR.
-- Columns: phase, generation; ordered by case_id, phase.
SELECT phase, generation FROM generations
WHERE probe = $probe AND case_id IN (SELECT case_id FROM edits)
ORDER BY case_id, phase
