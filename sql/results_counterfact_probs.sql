-- results_counterfact_probs.sql: per edited case whose requested object differs from the true one, and
-- per phase (pre, post), the probabilities the CounterFact-style scores need (kgedit.evaluate.counterfact).
-- Parameters: none. Columns: case_id, phase, p_req, p_true (s1r1: requested and true object), p2_req,
-- p2_true (s2r1: the other subject), neighbour_differs (s2's true object is not the requested one),
-- t_a (the LM's credence in the tf_a sentence); ordered by case_id, phase.
SELECT c.case_id, s.phase,
       max(CASE WHEN s.probe = 's1r1' AND s.role = 'requested' THEN exp(s.logp) END) AS p_req,
       max(CASE WHEN s.probe = 's1r1' AND s.role = 'ground_truth' THEN exp(s.logp) END) AS p_true,
       max(CASE WHEN s.probe = 's2r1' AND s.role = 'requested' THEN exp(s.logp) END) AS p2_req,
       max(CASE WHEN s.probe = 's2r1' AND s.role = 'ground_truth' THEN exp(s.logp) END) AS p2_true,
       bool_or(s.probe = 's2r1' AND s.role = 'ground_truth' AND s.object_id <> c.requested_object_id) AS neighbour_differs,
       max(l.t_lm) AS t_a
FROM eval_cases c
JOIN edits e USING (case_id)
JOIN probe_scores s USING (case_id)
JOIN logical_scores l ON l.case_id = c.case_id AND l.phase = s.phase AND l.kind = 'tf_a'
WHERE c.requested_object_id <> c.object_id
GROUP BY ALL
ORDER BY c.case_id, s.phase
