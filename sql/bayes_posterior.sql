-- bayes_posterior.sql: target beliefs of many probes under many edit scenarios, in one statement.
-- This text CONTINUES a WITH clause: a statement includes it (`-- include: bayes_posterior.sql`) after
-- its own CTEs, which define:
--   scenario_input(scenario_id BIGINT, subject_id, relation_id, object_id, weight DOUBLE)
--       one edit per scenario: evidence item (subject, relation, object) of weight >= 1, or weight 0
--       for "no edit" (the base world). Base tables are never modified: edits are deltas here.
--   probe_input(probe_id BIGINT, scenario_id BIGINT, subject_id, relation_id, object_id)
-- Parameters: none of its own (values arrive through the two inputs).
-- It ends with the CTE posterior(probe_id, scenario_id, belief 'direct'|'marginal', probability (the
-- target belief), direct (the direct belief p(o|s,r) under the scenario)); the including statement
-- adds its own final SELECT, e.g. SELECT * FROM posterior ORDER BY probe_id. Included by bayes_beliefs,
-- bayes_base_beliefs, bayes_edit_targets, query_distribution, query_atoms and views_bayes (macro beliefs).
-- Closed forms (K objects, alpha = prior_mass/K, q = the subject's upstream belief):
--   direct   p(o|s,r)  = (alpha + uniform + n_o [+ w if o is the edit's object]) / (prior_mass + N [+ w])
--   cond     p(o|D,u)  = (alpha + uniform_u + n_u(o)) / (prior_mass + M_u)   (= 1/K for u without data)
--   marginal p(o|s,D)  = sum over all K u of q(u) p(o|D,u)
--                      = b * column_sum(o) + sum_{u in S} m_u p(o|D,u)           q(u) = b + m_u
--                        + sum_{u in A} q(u) (p'(o|D,u) - p(o|D,u))   A = values the edit moved
info AS (SELECT prior_mass, n_objects AS k, alpha FROM bayes_info),
sc AS (
    SELECT s.scenario_id, s.subject_id, s.relation_id, s.object_id, s.weight, r.role, r.pair_id
    FROM scenario_input s JOIN relations r USING (relation_id)
    WHERE s.weight > 0
),
-- Upstream edit of a subject with downstream evidence: its shares move from pos_u/P to
-- (pos_u + w[u=o*])/(P + w), so its conditional contributions move by delta_share * (its D vector).
up_values AS (
    SELECT sc.scenario_id, sc.pair_id, sh.upstream_value FROM sc
    JOIN bayes_shares sh ON sh.pair_id = sc.pair_id AND sh.subject_id = sc.subject_id
    WHERE sc.role = 'upstream'
    UNION
    SELECT scenario_id, pair_id, object_id FROM sc WHERE role = 'upstream'
),
up_delta AS (
    SELECT v.scenario_id, v.pair_id, v.upstream_value, p.downstream_id, sc.subject_id,
           (coalesce(sh.positive, 0) + CASE WHEN v.upstream_value = sc.object_id THEN sc.weight ELSE 0 END)
             / (coalesce(tu.positive, 0) + sc.weight) - coalesce(sh.share, 0) AS delta_share
    FROM up_values v
    JOIN sc USING (scenario_id)
    JOIN relation_pairs p ON p.pair_id = v.pair_id
    JOIN bayes_totals td ON td.subject_id = sc.subject_id AND td.relation_id = p.downstream_id
    LEFT JOIN bayes_totals tu ON tu.subject_id = sc.subject_id AND tu.relation_id = sc.relation_id
    LEFT JOIN bayes_shares sh ON sh.pair_id = v.pair_id AND sh.subject_id = sc.subject_id
                             AND sh.upstream_value = v.upstream_value
),
-- Downstream edit of a subject with positive upstream mass: +share_s(u) * w on o* for each u.
down_delta AS (
    SELECT sc.scenario_id, sc.pair_id, sh.upstream_value, sc.object_id, sh.share * sc.weight AS d
    FROM sc JOIN bayes_shares sh ON sh.pair_id = sc.pair_id AND sh.subject_id = sc.subject_id
    WHERE sc.role = 'downstream'
),
cond_delta AS (
    SELECT u.scenario_id, u.pair_id, u.upstream_value,
           u.delta_share * t.uniform AS d_uniform, u.delta_share * t.total AS d_total
    FROM up_delta u JOIN bayes_totals t ON t.subject_id = u.subject_id AND t.relation_id = u.downstream_id
    UNION ALL
    SELECT scenario_id, pair_id, upstream_value, 0.0, d FROM down_delta
),
cond_delta_sparse AS (
    SELECT u.scenario_id, u.pair_id, u.upstream_value, c.object_id, sum(u.delta_share * c.count ORDER BY u.delta_share * c.count) AS d_count
    FROM up_delta u JOIN bayes_counts c ON c.subject_id = u.subject_id AND c.relation_id = u.downstream_id
    GROUP BY ALL
    UNION ALL
    SELECT scenario_id, pair_id, upstream_value, object_id, d FROM down_delta
),
pr AS (
    SELECT p.probe_id, p.scenario_id, p.subject_id, p.relation_id, p.object_id, r.role, r.pair_id,
           r.partner_id AS upstream_id,
           coalesce(s.weight, 0) AS weight, s.subject_id AS edit_subject, s.relation_id AS edit_relation,
           s.object_id AS edit_object
    FROM probe_input p JOIN relations r USING (relation_id)
    LEFT JOIN scenario_input s ON s.scenario_id = p.scenario_id AND s.weight > 0
),
direct AS (
    SELECT pr.*,
           pr.edit_subject = pr.subject_id AND pr.edit_relation = pr.relation_id AS edited_here,
           pr.edit_subject = pr.subject_id AND pr.edit_relation = pr.upstream_id AS edited_upstream,
           (info.alpha + coalesce(t.uniform, 0) + coalesce(c.count, 0)
             + CASE WHEN edited_here AND pr.edit_object = pr.object_id THEN pr.weight ELSE 0 END)
             / (info.prior_mass + coalesce(t.total, 0) + CASE WHEN edited_here THEN pr.weight ELSE 0 END)
             AS p_direct,
           pr.role = 'downstream' AND NOT coalesce(edited_here, FALSE)
             AND (tu.subject_id IS NOT NULL OR coalesce(edited_upstream, FALSE)) AS wants_marginal,
           coalesce(tu.uniform, 0) AS u_uniform,
           coalesce(tu.total, 0) + CASE WHEN coalesce(edited_upstream, FALSE) THEN pr.weight ELSE 0 END AS u_total
    FROM pr CROSS JOIN info
    LEFT JOIN bayes_totals t ON t.subject_id = pr.subject_id AND t.relation_id = pr.relation_id
    LEFT JOIN bayes_counts c ON c.subject_id = pr.subject_id AND c.relation_id = pr.relation_id
                            AND c.object_id = pr.object_id
    LEFT JOIN bayes_totals tu ON tu.subject_id = pr.subject_id AND tu.relation_id = pr.upstream_id
                             AND pr.role = 'downstream'
),
marg AS (
    SELECT d.probe_id, d.scenario_id, d.subject_id, d.pair_id, d.upstream_id, d.object_id,
           coalesce(d.edited_upstream, FALSE) AS edited_upstream, d.weight, d.edit_object,
           (info.alpha + d.u_uniform) / (info.prior_mass + d.u_total) AS b,
           info.prior_mass + d.u_total AS u_denominator
    FROM direct d CROSS JOIN info WHERE d.wants_marginal
),
-- S: upstream values with a sparse entry for the subject (edit included); A: values the edit moved.
u_set AS (
    SELECT probe_id, upstream_value, sum(m ORDER BY m) AS m FROM (
        SELECT m.probe_id, c.object_id AS upstream_value, c.count / m.u_denominator AS m
        FROM marg m JOIN bayes_counts c ON c.subject_id = m.subject_id AND c.relation_id = m.upstream_id
        UNION ALL
        SELECT probe_id, edit_object, weight / u_denominator FROM marg WHERE edited_upstream
        UNION ALL
        SELECT m.probe_id, cd.upstream_value, 0.0
        FROM marg m JOIN cond_delta cd ON cd.scenario_id = m.scenario_id AND cd.pair_id = m.pair_id
    ) GROUP BY probe_id, upstream_value
),
u_terms AS (
    SELECT us.probe_id,
           sum(us.m * (info.alpha + coalesce(ct.uniform, 0) + coalesce(cc.count, 0))
                    / (info.prior_mass + coalesce(ct.total, 0))
               + (m.b + us.m) * (
                   (info.alpha + coalesce(ct.uniform, 0) + coalesce(cd.d_uniform, 0)
                      + coalesce(cc.count, 0) + coalesce(cds.d_count, 0))
                     / (info.prior_mass + coalesce(ct.total, 0) + coalesce(cd.d_total, 0))
                   - (info.alpha + coalesce(ct.uniform, 0) + coalesce(cc.count, 0))
                     / (info.prior_mass + coalesce(ct.total, 0)))
               ORDER BY us.upstream_value) AS s
    FROM u_set us JOIN marg m USING (probe_id) CROSS JOIN info
    LEFT JOIN bayes_conditional_totals ct ON ct.pair_id = m.pair_id AND ct.upstream_value = us.upstream_value
    LEFT JOIN bayes_conditionals cc ON cc.pair_id = m.pair_id AND cc.upstream_value = us.upstream_value
                                   AND cc.object_id = m.object_id
    LEFT JOIN cond_delta cd ON cd.scenario_id = m.scenario_id AND cd.pair_id = m.pair_id
                           AND cd.upstream_value = us.upstream_value
    LEFT JOIN cond_delta_sparse cds ON cds.scenario_id = m.scenario_id AND cds.pair_id = m.pair_id
                                   AND cds.upstream_value = us.upstream_value AND cds.object_id = m.object_id
    GROUP BY us.probe_id
),
marginal AS (
    SELECT m.probe_id,
           m.b * (bp.uniform_sum + coalesce(cs.sparse_sum, 0)) + coalesce(ut.s, 0) AS p_marginal
    FROM marg m
    JOIN bayes_pairs bp ON bp.pair_id = m.pair_id
    LEFT JOIN bayes_column_sums cs ON cs.pair_id = m.pair_id AND cs.object_id = m.object_id
    LEFT JOIN u_terms ut ON ut.probe_id = m.probe_id
),
posterior AS (
    SELECT d.probe_id, d.scenario_id,
           CASE WHEN d.wants_marginal THEN 'marginal' ELSE 'direct' END AS belief,
           CASE WHEN d.wants_marginal THEN mg.p_marginal ELSE d.p_direct END AS probability,
           d.p_direct AS direct
    FROM direct d LEFT JOIN marginal mg USING (probe_id)
)
