-- bayes_edit_targets.sql: the cases stage's targets, one statement for a whole batch
-- (kgedit.bayes.beliefs.edit_targets): for each probe, its belief before the edit, after n', after $weight.
-- Reads the registered tables _kgedit_edits(edit_id, subject_id, relation_id, object_id) and
-- _kgedit_probes(probe_id, edit_id, subject_id, relation_id, object_id).
-- Parameters: $target DOUBLE (the direct belief n' must reach), $weight DOUBLE (the fixed edit weight n).
-- Columns: probe_id, edit_id, n_prime, belief_pre, p_pre, belief_post, p_n_prime, p_n, ordered by probe_id.
-- Each edit becomes three scenarios (edit_id * 3 + k: k = 0 no edit, 1 weight n', 2 weight n) and each
-- probe three probes, one per scenario; the outer SELECT pivots them back to one row per probe.
SELECT b.probe_id // 3 AS probe_id, any_value(p.edit_id) AS edit_id, any_value(w.n_prime) AS n_prime,
       max(b.belief) FILTER (WHERE b.probe_id % 3 = 0) AS belief_pre,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 0) AS p_pre,
       max(b.belief) FILTER (WHERE b.probe_id % 3 = 1) AS belief_post,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 1) AS p_n_prime,
       max(b.probability) FILTER (WHERE b.probe_id % 3 = 2) AS p_n
FROM (
    WITH edit_input AS (
        SELECT edit_id::BIGINT AS edit_id, subject_id, relation_id, object_id, $target::DOUBLE AS target
        FROM _kgedit_edits),
    edit_weight AS (
-- include: bayes_edit_weight.sql
    ),
    scenario_input AS (
        SELECT e.edit_id * 3 + k.k AS scenario_id, e.subject_id, e.relation_id, e.object_id,
               CASE k.k WHEN 0 THEN 0.0 WHEN 1 THEN w.n_prime ELSE $weight END::DOUBLE AS weight
        FROM _kgedit_edits e JOIN edit_weight w USING (edit_id) CROSS JOIN range(3) k(k)),
    probe_input AS (
        SELECT p.probe_id * 3 + k.k AS probe_id, p.edit_id * 3 + k.k AS scenario_id,
               p.subject_id, p.relation_id, p.object_id
        FROM _kgedit_probes p CROSS JOIN range(3) k(k)),
-- include: bayes_posterior.sql
    SELECT * FROM posterior
) b
JOIN _kgedit_probes p ON p.probe_id = b.probe_id // 3
JOIN (
    WITH edit_input AS (
        SELECT edit_id::BIGINT AS edit_id, subject_id, relation_id, object_id, $target::DOUBLE AS target
        FROM _kgedit_edits),
    edit_weight AS (
-- include: bayes_edit_weight.sql
    )
    SELECT edit_id, n_prime FROM edit_weight
) w ON w.edit_id = p.edit_id
GROUP BY b.probe_id // 3
ORDER BY probe_id
