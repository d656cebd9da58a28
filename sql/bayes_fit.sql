-- bayes_fit.sql: fit the rational agent (SPEC §4) from the evidence table, sparse plus uniform.
-- Parameters: none. Needs bayes_info (one row: prior_mass, n_objects, alpha) created just before by
-- kgedit.bayes.fit, plus the world tables and evidence(sentence_id, subject_id, relation_id,
-- object_id, weight, copies).
-- Creates: bayes_counts, bayes_totals, bayes_shares, bayes_conditionals, bayes_conditional_totals,
-- bayes_column_sums, bayes_pairs. No dense K-vector is ever stored: a count vector over the K objects
-- is count(o) = sparse entry(o) (0 where absent) + uniform, with total mass `total`.
--
-- One evidence item of weight w, copies c, on object o contributes c times:
--   w >= 1     : +w on o                                  (mass w)
--   0 < w < 1  : +w on o, (1-w) spread over the other K-1  (mass 1)
--   w < 0      : |w| spread over the other K-1 (w = -1)    (mass |w|)
-- "Spread x over the other K-1" = +x/(K-1) to every object (uniform) and -x/(K-1) on o (sparse).
-- Positive mass (for share_s(u)) = the mass a w > 0 item puts on its own object: c*w. The uniform
-- spread is NOT positive mass: it asserts no particular upstream value.

CREATE TABLE bayes_counts AS
WITH item AS (
    SELECT e.subject_id, e.relation_id, e.object_id, e.copies::DOUBLE AS c, e.weight AS w,
           i.n_objects - 1 AS others
    FROM evidence e CROSS JOIN bayes_info i
    WHERE e.weight <> 0 AND e.copies > 0
)
SELECT subject_id, relation_id, object_id,
       sum(c * CASE WHEN w >= 1 THEN w
                    WHEN w > 0 THEN w - (1 - w) / others
                    ELSE w / others END) AS count,
       sum(CASE WHEN w > 0 THEN c * w ELSE 0 END) AS positive
FROM item
GROUP BY ALL
ORDER BY subject_id, relation_id, object_id;
COMMENT ON TABLE bayes_counts IS 'Sparse part of each (subject, relation) evidence count vector: one row per object the evidence names.';
COMMENT ON COLUMN bayes_counts.subject_id IS 'entities.entity_id of the subject.';
COMMENT ON COLUMN bayes_counts.relation_id IS 'relations.relation_id.';
COMMENT ON COLUMN bayes_counts.object_id IS 'objects.object_id named by the evidence.';
COMMENT ON COLUMN bayes_counts.count IS 'Sparse count n_o: weights on o minus the spread corrections (may be negative); the full count is n_o + bayes_totals.uniform.';
COMMENT ON COLUMN bayes_counts.positive IS 'Positive mass on o: sum of copies*weight over items with weight > 0 on o.';

CREATE TABLE bayes_totals AS
SELECT e.subject_id, e.relation_id,
       sum(e.copies * CASE WHEN e.weight >= 1 THEN 0
                           WHEN e.weight > 0 THEN (1 - e.weight) / (i.n_objects - 1)
                           ELSE -e.weight / (i.n_objects - 1) END) AS uniform,
       sum(e.copies * CASE WHEN e.weight >= 1 THEN e.weight WHEN e.weight > 0 THEN 1 ELSE -e.weight END) AS total,
       sum(CASE WHEN e.weight > 0 THEN e.copies * e.weight ELSE 0 END) AS positive,
       count(*) AS n_items
FROM evidence e CROSS JOIN bayes_info i
WHERE e.weight <> 0 AND e.copies > 0
GROUP BY e.subject_id, e.relation_id
ORDER BY e.subject_id, e.relation_id;
COMMENT ON TABLE bayes_totals IS 'One row per (subject, relation) with evidence: the uniform scalar and masses of its count vector.';
COMMENT ON COLUMN bayes_totals.subject_id IS 'entities.entity_id of the subject.';
COMMENT ON COLUMN bayes_totals.relation_id IS 'relations.relation_id.';
COMMENT ON COLUMN bayes_totals.uniform IS 'Uniform scalar added to every one of the K objects (from spread evidence).';
COMMENT ON COLUMN bayes_totals.total IS 'Total evidence mass N = sum of sparse counts + K * uniform.';
COMMENT ON COLUMN bayes_totals.positive IS 'Total positive mass (denominator of share_s(u) when the relation is upstream).';
COMMENT ON COLUMN bayes_totals.n_items IS 'Evidence rows aggregated.';

CREATE TABLE bayes_shares AS
SELECT r.pair_id, c.subject_id, c.object_id AS upstream_value, c.positive,
       c.positive / t.positive AS share
FROM bayes_counts c
JOIN relations r ON r.relation_id = c.relation_id AND r.role = 'upstream'
JOIN bayes_totals t ON t.subject_id = c.subject_id AND t.relation_id = c.relation_id
WHERE c.positive > 0
ORDER BY r.pair_id, c.subject_id, c.object_id;
COMMENT ON TABLE bayes_shares IS 'share_s(u): a subject''s positive upstream evidence mass on u over its total positive upstream mass.';
COMMENT ON COLUMN bayes_shares.pair_id IS 'relation_pairs.pair_id of the upstream relation.';
COMMENT ON COLUMN bayes_shares.subject_id IS 'entities.entity_id of the subject.';
COMMENT ON COLUMN bayes_shares.upstream_value IS 'objects.object_id u asserted (with positive weight) for the upstream relation.';
COMMENT ON COLUMN bayes_shares.positive IS 'Positive mass on u.';
COMMENT ON COLUMN bayes_shares.share IS 'share_s(u) = positive / bayes_totals.positive; sums to 1 per (pair, subject).';

-- Contributors: subjects with positive upstream mass AND downstream evidence of the same pair.
CREATE TABLE bayes_conditional_totals AS
SELECT s.pair_id, s.upstream_value,
       sum(s.share * t.uniform) AS uniform,
       sum(s.share * t.total) AS total,
       count(*) AS n_subjects
FROM bayes_shares s
JOIN relation_pairs p ON p.pair_id = s.pair_id
JOIN bayes_totals t ON t.subject_id = s.subject_id AND t.relation_id = p.downstream_id
GROUP BY s.pair_id, s.upstream_value
ORDER BY s.pair_id, s.upstream_value;
COMMENT ON TABLE bayes_conditional_totals IS 'Shared conditional p(o_d | D, U=u): uniform scalar and total mass per upstream value u with data.';
COMMENT ON COLUMN bayes_conditional_totals.pair_id IS 'relation_pairs.pair_id.';
COMMENT ON COLUMN bayes_conditional_totals.upstream_value IS 'objects.object_id u of the upstream relation.';
COMMENT ON COLUMN bayes_conditional_totals.uniform IS 'sum_s share_s(u) * uniform of the subject''s downstream count vector.';
COMMENT ON COLUMN bayes_conditional_totals.total IS 'M_u = sum_s share_s(u) * total downstream mass of s.';
COMMENT ON COLUMN bayes_conditional_totals.n_subjects IS 'Subjects contributing to this conditional.';

CREATE TABLE bayes_conditionals AS
SELECT s.pair_id, s.upstream_value, c.object_id, sum(s.share * c.count) AS count
FROM bayes_shares s
JOIN relation_pairs p ON p.pair_id = s.pair_id
JOIN bayes_counts c ON c.subject_id = s.subject_id AND c.relation_id = p.downstream_id
GROUP BY s.pair_id, s.upstream_value, c.object_id
ORDER BY s.pair_id, s.upstream_value, c.object_id;
COMMENT ON TABLE bayes_conditionals IS 'Sparse part of the shared conditional count vectors: sum_s share_s(u) * n^D_s(o).';
COMMENT ON COLUMN bayes_conditionals.pair_id IS 'relation_pairs.pair_id.';
COMMENT ON COLUMN bayes_conditionals.upstream_value IS 'objects.object_id u of the upstream relation.';
COMMENT ON COLUMN bayes_conditionals.object_id IS 'objects.object_id o_d of the downstream relation.';
COMMENT ON COLUMN bayes_conditionals.count IS 'Sparse count; p(o_d | D, u) = (alpha + count + uniform) / (prior_mass + total).';

-- Column sums over ALL K upstream values, for the closed-form marginal:
-- sum_u p(o | D, u) = uniform_sum + sparse_sum(o), where u without data contribute 1/K each.
CREATE TABLE bayes_column_sums AS
SELECT c.pair_id, c.object_id, sum(c.count / (i.prior_mass + t.total)) AS sparse_sum
FROM bayes_conditionals c
JOIN bayes_conditional_totals t USING (pair_id, upstream_value)
CROSS JOIN bayes_info i
GROUP BY c.pair_id, c.object_id
ORDER BY c.pair_id, c.object_id;
COMMENT ON TABLE bayes_column_sums IS 'Sparse part of sum over all K upstream values u of p(o | D, u), per pair.';
COMMENT ON COLUMN bayes_column_sums.pair_id IS 'relation_pairs.pair_id.';
COMMENT ON COLUMN bayes_column_sums.object_id IS 'objects.object_id of the downstream relation.';
COMMENT ON COLUMN bayes_column_sums.sparse_sum IS 'sum_u count_u(o) / (prior_mass + M_u).';

CREATE TABLE bayes_pairs AS
SELECT p.pair_id, p.upstream_id, p.downstream_id,
       count(t.upstream_value) AS n_values,
       coalesce(sum((i.alpha + t.uniform) / (i.prior_mass + t.total)), 0)
         + (i.n_objects - count(t.upstream_value)) / i.n_objects AS uniform_sum
FROM relation_pairs p
CROSS JOIN bayes_info i
LEFT JOIN bayes_conditional_totals t ON t.pair_id = p.pair_id
GROUP BY p.pair_id, p.upstream_id, p.downstream_id, i.alpha, i.prior_mass, i.n_objects
ORDER BY p.pair_id;
COMMENT ON TABLE bayes_pairs IS 'Per relation pair: how many upstream values have conditional data, and the uniform part of the column sums.';
COMMENT ON COLUMN bayes_pairs.pair_id IS 'relation_pairs.pair_id.';
COMMENT ON COLUMN bayes_pairs.upstream_id IS 'relation_id of U.';
COMMENT ON COLUMN bayes_pairs.downstream_id IS 'relation_id of D.';
COMMENT ON COLUMN bayes_pairs.n_values IS 'Upstream values u with conditional data.';
COMMENT ON COLUMN bayes_pairs.uniform_sum IS 'sum over u with data of (alpha + uniform_u)/(prior_mass + M_u) plus (K - n_values)/K.';
