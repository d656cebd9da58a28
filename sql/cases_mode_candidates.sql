-- cases_mode_candidates.sql: the objects among which each probe's Bayesian modal object is searched.
-- Inputs (registered arrow tables): _cases_keys(key_id, edit_id, subject_id, relation_id,
-- ground_truth_id, requested_id, search_mode) and _cases_edits(edit_id, subject_id, relation_id,
-- object_id) (may be empty: no edit). Parameters: $top_columns (objects of largest column sum kept).
-- Columns: probe_id (0-based, row order), edit_id, subject_id, relation_id, object_id, key_id.
-- A key always scores its ground_truth_id and requested_id; with search_mode it also scores every
-- object that can carry the mode of its target belief (SPEC 4):
--   direct belief  : objects with positive sparse evidence for (s, r), and the edit's object;
--   marginal belief: objects with positive data in the conditionals of the subject's upstream values
--                    (and of the edit's value), the edited subject's downstream objects (an upstream
--                    edit moves its contributions), and the pair's largest column sums (the part every
--                    upstream value without subject evidence contributes).
-- Any other object gets only the column-sum term plus terms shared by all such objects, so it cannot
-- beat the largest column sums unless conditionals carry negative sparse counts for the subject's own
-- values (degenerate); tests/integration/test_cases_build.py checks the modes against all K objects.
WITH k AS (
    SELECT k.key_id, k.edit_id, k.subject_id, k.relation_id, k.ground_truth_id, k.requested_id,
           k.search_mode, r.role, r.pair_id, r.partner_id,
           e.subject_id AS edit_subject, e.relation_id AS edit_relation, e.object_id AS edit_object
    FROM _cases_keys k
    JOIN relations r USING (relation_id)
    LEFT JOIN _cases_edits e ON e.edit_id = k.edit_id
),
up_values AS (
    SELECT k.key_id, k.pair_id, s.upstream_value FROM k
    JOIN bayes_shares s ON s.pair_id = k.pair_id AND s.subject_id = k.subject_id
    WHERE k.search_mode AND k.role = 'downstream'
    UNION
    SELECT key_id, pair_id, edit_object FROM k
    WHERE search_mode AND role = 'downstream' AND edit_subject = subject_id AND edit_relation = partner_id
),
top_columns AS (
    SELECT pair_id, object_id FROM bayes_column_sums
    QUALIFY row_number() OVER (PARTITION BY pair_id ORDER BY sparse_sum DESC, object_id) <= $top_columns
),
candidate AS (
    SELECT key_id, ground_truth_id AS object_id FROM k WHERE ground_truth_id IS NOT NULL
    UNION SELECT key_id, requested_id FROM k WHERE requested_id IS NOT NULL
    UNION SELECT key_id, edit_object FROM k WHERE search_mode AND edit_object IS NOT NULL
    UNION SELECT k.key_id, c.object_id FROM k
          JOIN bayes_counts c ON c.subject_id = k.subject_id AND c.relation_id = k.relation_id
          WHERE k.search_mode AND c.count > 0
    UNION SELECT u.key_id, c.object_id FROM up_values u
          JOIN bayes_conditionals c ON c.pair_id = u.pair_id AND c.upstream_value = u.upstream_value
          WHERE c.count > 0
    UNION SELECT k.key_id, c.object_id FROM k
          JOIN bayes_counts c ON c.subject_id = k.edit_subject AND c.relation_id = k.relation_id
          WHERE k.search_mode AND k.role = 'downstream' AND k.edit_relation = k.partner_id AND c.count > 0
    UNION SELECT k.key_id, t.object_id FROM k JOIN top_columns t ON t.pair_id = k.pair_id
          WHERE k.search_mode AND k.role = 'downstream'
)
SELECT (row_number() OVER (ORDER BY c.key_id, c.object_id) - 1)::BIGINT AS probe_id,
       k.edit_id, k.subject_id, k.relation_id, c.object_id, c.key_id
FROM candidate c JOIN k USING (key_id)
ORDER BY probe_id
