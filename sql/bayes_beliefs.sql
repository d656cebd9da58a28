-- bayes_beliefs.sql: target beliefs of many probes under many edit scenarios (kgedit.bayes.beliefs.evaluate).
-- Reads the registered tables _kgedit_scenarios(scenario_id, subject_id, relation_id, object_id, weight)
-- and _kgedit_probes(probe_id, scenario_id, subject_id, relation_id, object_id). Parameters: none.
-- Columns: those of the CTE posterior of sql/bayes_posterior.sql, ordered by probe_id.
WITH scenario_input AS (
    SELECT scenario_id::BIGINT AS scenario_id, subject_id, relation_id, object_id, weight::DOUBLE AS weight
    FROM _kgedit_scenarios),
probe_input AS (
    SELECT probe_id::BIGINT AS probe_id, scenario_id::BIGINT AS scenario_id, subject_id, relation_id, object_id
    FROM _kgedit_probes),
-- include: bayes_posterior.sql
SELECT * FROM posterior ORDER BY probe_id
