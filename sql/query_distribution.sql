-- query_distribution.sql: final SELECT of `kgedit query` for a subject belief, optionally after an edit.
-- Appended by kgedit.query.plan after the CTEs edit_input, edit_weight, scenario_input, probe_input and
-- the posterior CTEs of sql/bayes_posterior.sql. Probes are every object (or one) under scenario 0
-- (base world) and, when an edit is given, scenario 1 (after the edit).
-- Parameters: $top BIGINT (rows to return).
-- Columns: object, probability (post-edit when an edit is given), pre_edit, belief, pre_belief, edit_weight.
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
