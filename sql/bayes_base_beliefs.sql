-- bayes_base_beliefs.sql: target beliefs of many probes in the base world (kgedit.bayes.beliefs.base_beliefs).
-- Reads the registered table _kgedit_probes(probe_id, subject_id, relation_id, object_id). Parameters: none.
-- Columns: those of the CTE posterior of sql/bayes_posterior.sql (scenario_id 0), ordered by probe_id.
WITH scenario_input AS (SELECT 0::BIGINT AS scenario_id, NULL::VARCHAR AS subject_id, NULL::VARCHAR AS relation_id,
                               NULL::VARCHAR AS object_id, 0.0::DOUBLE AS weight WHERE FALSE),
probe_input AS (
    SELECT probe_id::BIGINT AS probe_id, 0::BIGINT AS scenario_id, subject_id, relation_id, object_id
    FROM _kgedit_probes),
-- include: bayes_posterior.sql
SELECT * FROM posterior ORDER BY probe_id
