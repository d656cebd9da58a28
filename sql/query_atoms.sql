-- query_atoms.sql: `kgedit query` for a logical formula: the belief in each of its atoms, in the base
-- world (kgedit.query.plan).
-- Parameters: $subjects, $relations, $objects VARCHAR[] (atom i is subjects[i], relations[i], objects[i]).
-- Columns: probe_id (the atom's index), belief ('direct' | 'marginal'), probability; ordered by probe_id.
WITH scenario_input AS (SELECT 0::BIGINT AS scenario_id, NULL::VARCHAR AS subject_id, NULL::VARCHAR AS relation_id,
                               NULL::VARCHAR AS object_id, 0.0::DOUBLE AS weight WHERE FALSE),
probe_input AS (
    SELECT unnest(range(len($subjects::VARCHAR[]))) AS probe_id, 0::BIGINT AS scenario_id,
           unnest($subjects::VARCHAR[]) AS subject_id, unnest($relations::VARCHAR[]) AS relation_id,
           unnest($objects::VARCHAR[]) AS object_id),
-- include: bayes_posterior.sql
SELECT probe_id, belief, probability FROM posterior ORDER BY probe_id
