-- query_distribution.sql: `kgedit query` for a subject belief, optionally after an edit (kgedit.query.plan).
-- Probes are the candidate objects (or the one asked for) under scenario 0 (the base world) and, when an
-- edit is given, scenario 1 (after the edit).
-- Parameters: $subject, $relation VARCHAR (ids); $object VARCHAR (one object id, or NULL for the top
-- objects); $edit_relation, $edit_object VARCHAR (the edit, or both NULL); $weight DOUBLE (the edit's
-- weight, or NULL for n'); $target DOUBLE (the direct belief n' must reach); $top BIGINT (rows to return).
-- Columns: object, probability (post-edit when an edit is given), pre_edit, belief, pre_belief, edit_weight.
WITH edit_input AS (
    SELECT 1::BIGINT AS edit_id, $subject::VARCHAR AS subject_id, $edit_relation::VARCHAR AS relation_id,
           $edit_object::VARCHAR AS object_id, $target::DOUBLE AS target),
edit_weight AS (
-- include: bayes_edit_weight.sql
),
scenario_input AS (
    SELECT 1::BIGINT AS scenario_id, e.subject_id, e.relation_id, e.object_id,
           coalesce($weight::DOUBLE, w.n_prime)::DOUBLE AS weight
    FROM edit_input e JOIN edit_weight w USING (edit_id) WHERE e.relation_id IS NOT NULL),
-- Objects whose belief can differ from the common "unlisted" level: the subject's own sparse entries,
-- the pair's conditional support (column sums), the edit's object and the downstream entries the edit
-- moves; plus the first $top other objects by name, which all share the unlisted level. Exact top-k
-- without probing all K objects.
support AS (
    SELECT object_id FROM bayes_counts WHERE subject_id = $subject AND relation_id = $relation
    UNION SELECT cs.object_id FROM bayes_column_sums cs
          JOIN relations r ON r.pair_id = cs.pair_id AND r.relation_id = $relation AND r.role = 'downstream'
    UNION SELECT $edit_object::VARCHAR WHERE $edit_object::VARCHAR IS NOT NULL
    UNION SELECT c.object_id FROM bayes_counts c JOIN relations er ON er.relation_id = $edit_relation
          WHERE c.subject_id = $subject
            AND c.relation_id = CASE WHEN er.role = 'upstream' THEN er.partner_id ELSE er.relation_id END),
candidate AS (
    SELECT object_id FROM support
    UNION ALL (SELECT o.object_id FROM objects o JOIN entities e ON e.entity_id = o.object_id
               WHERE o.object_id NOT IN (SELECT object_id FROM support) ORDER BY e.name LIMIT $top)),
probe_input AS (
    SELECT o.object_idx::BIGINT * 2 + k.k AS probe_id, k.k::BIGINT AS scenario_id,
           $subject::VARCHAR AS subject_id, $relation::VARCHAR AS relation_id, o.object_id
    FROM objects o CROSS JOIN range(2) k(k)
    WHERE (CASE WHEN $object::VARCHAR IS NULL THEN o.object_id IN (SELECT object_id FROM candidate)
                ELSE o.object_id = $object::VARCHAR END)
      AND (k.k = 0 OR $edit_relation::VARCHAR IS NOT NULL)),
-- include: bayes_posterior.sql
SELECT e.name AS object,
       coalesce(max(b.probability) FILTER (WHERE b.scenario_id = 1),
                max(b.probability) FILTER (WHERE b.scenario_id = 0)) AS probability,
       max(b.probability) FILTER (WHERE b.scenario_id = 0) AS pre_edit,
       coalesce(max(b.belief) FILTER (WHERE b.scenario_id = 1),
                max(b.belief) FILTER (WHERE b.scenario_id = 0)) AS belief,
       max(b.belief) FILTER (WHERE b.scenario_id = 0) AS pre_belief,
       (SELECT max(weight) FROM scenario_input) AS edit_weight
FROM posterior b
JOIN probe_input p USING (probe_id)
JOIN entities e ON e.entity_id = p.object_id
GROUP BY e.name
ORDER BY probability DESC, object
LIMIT $top
