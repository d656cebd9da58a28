-- world_sample_eligible.sql: the subjects a --subjects sample draws from, sorted by id.
-- Parameters: none. Reads facts and relation_pairs (already written). Columns: subject_id.
-- A subject is eligible when it has both relations of at least one pair, so every sampled subject
-- links an upstream fact to its downstream partner (the facts the Bayesian model learns from).
SELECT DISTINCT u.subject_id
FROM relation_pairs p
JOIN facts u ON u.relation_id = p.upstream_id
JOIN facts d ON d.relation_id = p.downstream_id AND d.subject_id = u.subject_id
ORDER BY u.subject_id;
