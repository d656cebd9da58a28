-- results_table_generations.sql: Tables 4/5 inputs (kgedit.evaluate.tables): the generations of the
-- edited cases. Parameters: $probes VARCHAR[] (the probes the tables use).
-- Columns: case_id, phase, probe, generation.
SELECT case_id, phase, probe, generation FROM generations
WHERE case_id IN (SELECT case_id FROM edits) AND list_contains($probes, probe)
ORDER BY ALL
