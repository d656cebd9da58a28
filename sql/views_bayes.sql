-- views_bayes.sql: views over the fitted Bayesian model for ad-hoc SQL (`kgedit sql`).
-- Parameters: none. Created by kgedit.bayes.fit after the bayes_* tables.
-- Views: subject_beliefs(subject, relation, object, probability, unlisted_probability),
--        population_conditionals(upstream_relation, upstream_value, downstream_relation, object,
--                                probability, unlisted_probability, n_subjects).
-- Table macros: beliefs(subject_name) -> (relation, object, probability, belief): the target belief
--   (marginal where it applies) over all K objects for every relation the subject has evidence for (or
--   whose upstream it has), computed by sql/bayes_posterior.sql as everywhere else;
--   conditionals(upstream_value_name) -> (upstream_relation, downstream_relation, object, probability):
--   p(o_d | D, U=u) over all K objects for every pair.

CREATE VIEW subject_beliefs AS
SELECT es.name AS subject, r.name AS relation, eo.name AS object,
       (i.alpha + t.uniform + c.count) / (i.prior_mass + t.total) AS probability,
       (i.alpha + t.uniform) / (i.prior_mass + t.total) AS unlisted_probability
FROM bayes_counts c
JOIN bayes_totals t USING (subject_id, relation_id)
JOIN relations r USING (relation_id)
JOIN entities es ON es.entity_id = c.subject_id
JOIN entities eo ON eo.entity_id = c.object_id
CROSS JOIN bayes_info i;
COMMENT ON VIEW subject_beliefs IS 'Direct beliefs p(o | s, r) for every object the evidence names; any other object has unlisted_probability.';

CREATE VIEW population_conditionals AS
SELECT ru.name AS upstream_relation, eu.name AS upstream_value, rd.name AS downstream_relation,
       eo.name AS object,
       (i.alpha + t.uniform + c.count) / (i.prior_mass + t.total) AS probability,
       (i.alpha + t.uniform) / (i.prior_mass + t.total) AS unlisted_probability,
       t.n_subjects
FROM bayes_conditionals c
JOIN bayes_conditional_totals t USING (pair_id, upstream_value)
JOIN relation_pairs p USING (pair_id)
JOIN relations ru ON ru.relation_id = p.upstream_id
JOIN relations rd ON rd.relation_id = p.downstream_id
JOIN entities eu ON eu.entity_id = c.upstream_value
JOIN entities eo ON eo.entity_id = c.object_id
CROSS JOIN bayes_info i;
COMMENT ON VIEW population_conditionals IS 'Shared conditionals p(o_d | D, U=u) for every object with data; any other object has unlisted_probability; u without data give 1/K to every object.';

CREATE MACRO beliefs(subject_name) AS TABLE WITH
scenario_input AS (SELECT 0::BIGINT AS scenario_id, NULL::VARCHAR AS subject_id, NULL::VARCHAR AS relation_id,
                          NULL::VARCHAR AS object_id, 0.0::DOUBLE AS weight WHERE FALSE),
probe_subject AS (SELECT entity_id FROM entities WHERE name = subject_name),
probe_relation AS (
    SELECT DISTINCT r.relation_id FROM relations r JOIN bayes_totals t
      ON t.relation_id = r.relation_id OR (r.role = 'downstream' AND t.relation_id = r.partner_id)
    WHERE t.subject_id = (SELECT entity_id FROM probe_subject)),
probe_input AS (
    SELECT row_number() OVER (ORDER BY pr.relation_id, o.object_idx) AS probe_id, 0::BIGINT AS scenario_id,
           (SELECT entity_id FROM probe_subject) AS subject_id, pr.relation_id, o.object_id
    FROM probe_relation pr CROSS JOIN objects o),
-- include: bayes_posterior.sql
SELECT r.name AS relation, e.name AS object, b.probability, b.belief
FROM posterior b
JOIN probe_input p USING (probe_id)
JOIN relations r USING (relation_id)
JOIN entities e ON e.entity_id = p.object_id;

CREATE MACRO conditionals(upstream_value_name) AS TABLE
SELECT ru.name AS upstream_relation, rd.name AS downstream_relation, e.name AS object,
       (i.alpha + coalesce(t.uniform, 0) + coalesce(c.count, 0)) / (i.prior_mass + coalesce(t.total, 0))
         AS probability
FROM bayes_pairs p
JOIN relations ru ON ru.relation_id = p.upstream_id
JOIN relations rd ON rd.relation_id = p.downstream_id
CROSS JOIN bayes_info i
CROSS JOIN objects o
JOIN entities e ON e.entity_id = o.object_id
LEFT JOIN bayes_conditional_totals t ON t.pair_id = p.pair_id
     AND t.upstream_value = (SELECT entity_id FROM entities WHERE name = upstream_value_name)
LEFT JOIN bayes_conditionals c ON c.pair_id = p.pair_id AND c.upstream_value = t.upstream_value
     AND c.object_id = o.object_id
WHERE EXISTS (SELECT 1 FROM entities WHERE name = upstream_value_name);
