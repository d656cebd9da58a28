-- cases_conditional_modes.sql: the mode of every fitted shared conditional p(o_d | D, U=u) (SPEC 4).
-- Parameters: none. Columns: upstream (relation code of U, as in cases_training_facts.sql),
-- upstream_value, mode (objects.object_idx). Only u with positive conditional data have a mode; the
-- mode is the object with the largest sparse count (the uniform part is the same for every object),
-- ties to the smallest object_id. Ordered by upstream, mode, upstream_value for the sampler's blocks.
WITH rel AS (
    SELECT relation_id, (row_number() OVER (ORDER BY relation_id) - 1)::INTEGER AS code FROM relations
),
modes AS (
    SELECT pair_id, upstream_value, first(object_id ORDER BY round(count, 9) DESC, object_id) AS mode_id
    FROM bayes_conditionals WHERE count > 0
    GROUP BY pair_id, upstream_value
)
SELECT r.code AS upstream, u.object_idx AS upstream_value, m.object_idx AS mode
FROM modes c
JOIN relation_pairs p ON p.pair_id = c.pair_id
JOIN rel r ON r.relation_id = p.upstream_id
JOIN objects u ON u.object_id = c.upstream_value
JOIN objects m ON m.object_id = c.mode_id
ORDER BY upstream, mode, upstream_value
