-- query_conditional.sql: `kgedit query` for a population conditional P(D | U=value) (kgedit.query.plan).
-- Parameters: those of sql/bayes_conditional_grid.sql ($pair_id, $upstream_values: the one value,
-- $objects), and $top BIGINT (rows to return).
-- Columns: object (name), probability; most probable first.
SELECT e.name AS object, g.probability FROM (
-- include: bayes_conditional_grid.sql
) g JOIN entities e ON e.entity_id = g.object_id ORDER BY probability DESC, object LIMIT $top
