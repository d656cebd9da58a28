-- bayes_network_pairs.sql: the relation pairs, with both relations' ids and names (kgedit.bayes.network).
-- Parameters: none. Columns: pair_id, upstream_id, upstream_name, downstream_id, downstream_name.
SELECT p.pair_id, u.relation_id AS upstream_id, u.name AS upstream_name,
       d.relation_id AS downstream_id, d.name AS downstream_name
FROM relation_pairs p
JOIN relations u ON u.relation_id = p.upstream_id
JOIN relations d ON d.relation_id = p.downstream_id
ORDER BY p.pair_id
