-- bayes_subject_network.sql: what the per-subject network (pgmpy view) needs for one relation pair.
-- Parameters: $subject_id VARCHAR, $pair_id INTEGER.
-- Columns: relation_id, object_id, probability — the DIRECT belief of every object with a sparse entry
-- for the subject's upstream and downstream relations of the pair, plus, per relation, a row with
-- object_id NULL holding the belief of each unlisted object (they all share it).
SELECT t.relation_id, c.object_id,
       (i.alpha + t.uniform + coalesce(c.count, 0)) / (i.prior_mass + t.total) AS probability
FROM relation_pairs p
JOIN bayes_totals t ON t.subject_id = $subject_id AND t.relation_id IN (p.upstream_id, p.downstream_id)
CROSS JOIN bayes_info i
LEFT JOIN bayes_counts c ON c.subject_id = t.subject_id AND c.relation_id = t.relation_id
WHERE p.pair_id = $pair_id
UNION ALL
SELECT t.relation_id, NULL, (i.alpha + t.uniform) / (i.prior_mass + t.total)
FROM relation_pairs p
JOIN bayes_totals t ON t.subject_id = $subject_id AND t.relation_id IN (p.upstream_id, p.downstream_id)
CROSS JOIN bayes_info i
WHERE p.pair_id = $pair_id
ORDER BY relation_id, object_id NULLS LAST
