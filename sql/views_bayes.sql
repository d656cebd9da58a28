-- views_bayes.sql: views over the fitted Bayesian model for ad-hoc SQL (`kgedit sql`).
-- Parameters: none. Created by kgedit.bayes.fit after the bayes_* tables.
-- Views: subject_beliefs(subject, relation, object, probability, unlisted_probability),
--        population_conditionals(upstream_relation, upstream_value, downstream_relation, object,
--                                probability, unlisted_probability, n_subjects).
-- Table macros (created from Python because they reuse sql/bayes_posterior.sql):
--   beliefs(subject_name) and conditionals(upstream_value_name); see kgedit.bayes.macros.

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
