-- results_table_labels.sql: Tables 4/5 inputs (kgedit.evaluate.tables): for each edited case, phase and
-- probe, the scores of the label objects (pre: the ground truth; post: the requested object on s1r1 and
-- the Bayesian modal object after the edit, role $post_role, on the others), plus s1r1's requested object
-- and, before the edit, the post-edit label objects (the tables' unedited row).
-- Parameters: $prob VARCHAR ('raw': p_LM = exp(logp); 'norm': p_norm), $weight VARCHAR ('n_prime' | 'n':
-- the Bayesian target after the edit), $post_role VARCHAR ('post_mode' | 'post_mode_n').
-- Columns: case_id, phase, probe, role, p_lm, object, p_bayes (the Bayesian target of the object).
SELECT s.case_id, s.phase, s.probe, s.role,
       CASE WHEN $prob::VARCHAR = 'raw' THEN exp(s.logp) ELSE s.p_norm END AS p_lm, t.object,
       CASE WHEN s.phase = 'pre' THEN t.p_pre WHEN $weight::VARCHAR = 'n_prime' THEN t.p_n_prime ELSE t.p_n END
         AS p_bayes
FROM probe_scores s JOIN eval_case_probes t USING (case_id, probe, role)
WHERE s.case_id IN (SELECT case_id FROM edits)
  AND ((s.phase = 'pre' AND s.role = 'ground_truth')
       OR (s.phase = 'post' AND ((s.probe = 's1r1' AND s.role = 'requested')
                                 OR (s.probe <> 's1r1' AND s.role = $post_role::VARCHAR)))
       OR (s.probe = 's1r1' AND s.role = 'requested')
       OR (s.phase = 'pre' AND s.probe <> 's1r1' AND s.role = $post_role::VARCHAR))
ORDER BY ALL
