-- bayes_conditional_grid.sql: shared conditionals p(o_d | D, U=u) for chosen upstream values and objects.
-- Parameters: $pair_id INTEGER; $upstream_values VARCHAR[] (object ids u); $objects VARCHAR[] (object
-- ids o_d, or NULL for all K objects).
-- Columns: upstream_value, object_id, probability, column_sum (sum over ALL K upstream values of
-- p(o_d | D, u), u without data counting 1/K), has_data (a sparse entry for u or in the column sums).
-- Values u without conditional data give 1/K. Run alone (kgedit.bayes.network, formula queries) and
-- included by query_conditional.sql.
SELECT u.v AS upstream_value, o.object_id,
       (i.alpha + coalesce(t.uniform, 0) + coalesce(c.count, 0)) / (i.prior_mass + coalesce(t.total, 0))
         AS probability,
       bp.uniform_sum + coalesce(cs.sparse_sum, 0) AS column_sum,
       c.count IS NOT NULL OR cs.sparse_sum IS NOT NULL AS has_data
FROM unnest($upstream_values::VARCHAR[]) u(v)
CROSS JOIN objects o
CROSS JOIN bayes_info i
JOIN bayes_pairs bp ON bp.pair_id = $pair_id
LEFT JOIN bayes_column_sums cs ON cs.pair_id = $pair_id AND cs.object_id = o.object_id
LEFT JOIN bayes_conditional_totals t ON t.pair_id = $pair_id AND t.upstream_value = u.v
LEFT JOIN bayes_conditionals c ON c.pair_id = $pair_id AND c.upstream_value = u.v AND c.object_id = o.object_id
WHERE $objects::VARCHAR[] IS NULL OR list_contains($objects::VARCHAR[], o.object_id)
ORDER BY u.v, o.object_idx
