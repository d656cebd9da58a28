-- cases_insert.sql: fill cases, case_probes and case_logical_probes (schema in cases.sql).
-- Parameters: none. Inputs (registered arrow tables, built by kgedit.cases.build):
--   _cases_in(case_id, subject_id, relation_id, object_id, false_object_id, requested_object_id,
--             request_rule, linked, second_relation_id, other_subject_id, b_subject_id, b_relation_id,
--             b_object_id, b_is_true)
--   _cases_keys_in(key_id, case_id, probe 's1r1'|'s1r2'|'s2r1'|'s2r2'|'b', subject_id, relation_id,
--                  ground_truth_id, requested_id)
--   _cases_scored_in(key_id, object_id, n_prime, belief_pre, p_pre, belief_post, p_n_prime, p_n)
--   _cases_modes_in(key_id, mode_pre_id, mode_post_id, mode_post_n_id)
-- Texts use entities.name and relations.label, as the corpus does: prompt "{s} {r}", sentence "{s} {r} {o}".

INSERT INTO cases
SELECT c.case_id, c.subject_id, c.relation_id, c.object_id, c.false_object_id, c.requested_object_id,
       c.request_rule, c.requested_object_id = c.object_id, c.linked, c.second_relation_id, c.other_subject_id,
       sc.n_prime, es.name || ' ' || r.label, eo.name, es.name || ' ' || r.label || ' ' || eo.name,
       m.mode_pre_id, m.mode_post_id, m.mode_pre_id <> m.mode_post_id, m.mode_pre_id <> m.mode_post_n_id
FROM _cases_in c
JOIN entities es ON es.entity_id = c.subject_id
JOIN relations r ON r.relation_id = c.relation_id
JOIN entities eo ON eo.entity_id = c.requested_object_id
JOIN _cases_keys_in k ON k.case_id = c.case_id AND k.probe = 's1r1'
JOIN _cases_keys_in k2 ON k2.case_id = c.case_id AND k2.probe = 's1r2'
JOIN _cases_modes_in m ON m.key_id = k2.key_id
JOIN _cases_scored_in sc ON sc.key_id = k.key_id AND sc.object_id = c.requested_object_id
ORDER BY c.case_id;

INSERT INTO case_probes
WITH roles AS (
    SELECT k.key_id, 0 AS role_rank, 'ground_truth' AS role, k.ground_truth_id AS object_id FROM _cases_keys_in k
    UNION ALL SELECT k.key_id, 1, 'requested', k.requested_id FROM _cases_keys_in k
    UNION ALL SELECT m.key_id, 2, 'post_mode', m.mode_post_id FROM _cases_modes_in m
    UNION ALL SELECT m.key_id, 3, 'post_mode_n', m.mode_post_n_id FROM _cases_modes_in m
)
SELECT k.case_id, k.probe, x.role, k.subject_id, k.relation_id, x.object_id,
       es.name || ' ' || r.label, eo.name,
       -- rounded to 12 decimals: DuckDB's parallel double sums may differ in the last bits between runs
       sc.belief_pre, round(sc.p_pre, 12), sc.belief_post, round(sc.p_n_prime, 12), round(sc.p_n, 12),
       m.mode_pre_id, m.mode_post_id, m.mode_post_n_id
FROM _cases_keys_in k
JOIN roles x USING (key_id)
JOIN _cases_modes_in m USING (key_id)
JOIN _cases_scored_in sc ON sc.key_id = k.key_id AND sc.object_id = x.object_id
JOIN entities es ON es.entity_id = k.subject_id
JOIN relations r ON r.relation_id = k.relation_id
JOIN entities eo ON eo.entity_id = x.object_id
WHERE k.probe <> 'b'
ORDER BY k.case_id, k.probe, x.role_rank;

INSERT INTO case_logical_probes
WITH parts AS (
    SELECT c.case_id, c.b_subject_id, c.b_relation_id, c.b_object_id, c.b_is_true,
           c.requested_object_id = c.object_id AS a_is_true,
           ea.name || ' ' || ra.label || ' ' || eo.name AS a,
           eb.name || ' ' || rb.label || ' ' || ebo.name AS b,
           round(ta.p_pre, 12) AS ta_pre, round(ta.p_n_prime, 12) AS ta_np, round(ta.p_n, 12) AS ta_n,
           round(tb.p_pre, 12) AS tb_pre, round(tb.p_n_prime, 12) AS tb_np, round(tb.p_n, 12) AS tb_n
    FROM _cases_in c
    JOIN entities ea ON ea.entity_id = c.subject_id
    JOIN relations ra ON ra.relation_id = c.relation_id
    JOIN entities eo ON eo.entity_id = c.requested_object_id
    JOIN entities eb ON eb.entity_id = c.b_subject_id
    JOIN relations rb ON rb.relation_id = c.b_relation_id
    JOIN entities ebo ON ebo.entity_id = c.b_object_id
    JOIN _cases_keys_in ka ON ka.case_id = c.case_id AND ka.probe = 's1r1'
    JOIN _cases_scored_in ta ON ta.key_id = ka.key_id AND ta.object_id = c.requested_object_id
    JOIN _cases_keys_in kb ON kb.case_id = c.case_id AND kb.probe = 'b'
    JOIN _cases_scored_in tb ON tb.key_id = kb.key_id AND tb.object_id = c.b_object_id
),
kinds(kind, kind_rank) AS (VALUES ('tf_a', 0), ('not_a', 1), ('and_ab', 2), ('and_ba', 3), ('or_ba', 4), ('tf_b', 5))
SELECT p.case_id, k.kind,
       CASE k.kind WHEN 'tf_a' THEN '"' || p.a || '" is'
                   WHEN 'not_a' THEN '"not ' || p.a || '" is'
                   WHEN 'and_ab' THEN '"' || p.a || ' and ' || p.b || '" is'
                   WHEN 'and_ba' THEN '"' || p.b || ' and ' || p.a || '" is'
                   WHEN 'or_ba' THEN '"' || p.b || ' or ' || p.a || '" is'
                   ELSE '"' || p.b || '" is' END,
       p.a, p.b, p.b_subject_id, p.b_relation_id, p.b_object_id, p.a_is_true, p.b_is_true,
       CASE k.kind WHEN 'tf_a' THEN p.a_is_true WHEN 'not_a' THEN NOT p.a_is_true
                   WHEN 'or_ba' THEN p.a_is_true OR p.b_is_true WHEN 'tf_b' THEN p.b_is_true
                   ELSE p.a_is_true AND p.b_is_true END,
       CASE k.kind WHEN 'not_a' THEN FALSE WHEN 'tf_b' THEN p.b_is_true
                   WHEN 'tf_a' THEN TRUE WHEN 'or_ba' THEN TRUE ELSE p.b_is_true END,
       CASE k.kind WHEN 'tf_a' THEN p.ta_pre WHEN 'not_a' THEN 1 - p.ta_pre WHEN 'tf_b' THEN p.tb_pre
                   WHEN 'or_ba' THEN p.ta_pre + p.tb_pre - p.ta_pre * p.tb_pre ELSE p.ta_pre * p.tb_pre END,
       CASE k.kind WHEN 'tf_a' THEN p.ta_np WHEN 'not_a' THEN 1 - p.ta_np WHEN 'tf_b' THEN p.tb_np
                   WHEN 'or_ba' THEN p.ta_np + p.tb_np - p.ta_np * p.tb_np ELSE p.ta_np * p.tb_np END,
       CASE k.kind WHEN 'tf_a' THEN p.ta_n WHEN 'not_a' THEN 1 - p.ta_n WHEN 'tf_b' THEN p.tb_n
                   WHEN 'or_ba' THEN p.ta_n + p.tb_n - p.ta_n * p.tb_n ELSE p.ta_n * p.tb_n END
FROM parts p CROSS JOIN kinds k
ORDER BY p.case_id, k.kind_rank;
