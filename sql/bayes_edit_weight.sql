-- bayes_edit_weight.sql: n', the smallest whole edit weight making the DIRECT belief reach a target.
-- One SELECT, included as the body of a CTE (`edit_weight AS (-- include: bayes_edit_weight.sql)`)
-- after a CTE edit_input(edit_id BIGINT, subject_id, relation_id, object_id, target DOUBLE); included by
-- bayes_edit_weights, bayes_edit_targets and query_distribution.
-- Parameters: none of its own. Columns: edit_id, p_before, goal, n_prime.
-- With c = alpha + uniform + n_o* and N the (s, r) mass, adding weight n gives
--   p(n) = (c + n) / (prior_mass + N + n) >= goal  <=>  n >= (goal (prior_mass + N) - c) / (1 - goal).
-- goal = target, or halfway to 1 when p_before already reaches the target. The ceiling is checked
-- against p(n) itself (n-1, n, n+1) so floating-point rounding can never make n' non-minimal.
SELECT edit_id, p_before, goal,
       CASE WHEN (c + n0) / (d + n0) >= goal THEN n0
            WHEN (c + n0 + 1) / (d + n0 + 1) >= goal THEN n0 + 1
            ELSE n0 + 2 END AS n_prime
FROM (
    SELECT edit_id, c, d, p_before, goal,
           greatest(1, ceil((goal * d - c) / (1 - goal)) - 1) AS n0
    FROM (
        SELECT edit_id, c, d, c / d AS p_before,
               CASE WHEN c / d >= target THEN (1 + c / d) / 2 ELSE target END AS goal
        FROM (
            SELECT e.edit_id, e.target,
                   i.alpha + coalesce(t.uniform, 0) + coalesce(n.count, 0) AS c,
                   i.prior_mass + coalesce(t.total, 0) AS d
            FROM edit_input e
            CROSS JOIN bayes_info i
            LEFT JOIN bayes_totals t ON t.subject_id = e.subject_id AND t.relation_id = e.relation_id
            LEFT JOIN bayes_counts n ON n.subject_id = e.subject_id AND n.relation_id = e.relation_id
                                    AND n.object_id = e.object_id
        )
    )
)
