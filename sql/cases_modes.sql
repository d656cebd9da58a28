-- cases_modes.sql: the modal object of every key under each scenario, from scored candidates.
-- Input: registered arrow table _cases_scored(key_id, object_id, p_pre, p_n_prime, p_n) (p_n_prime and
-- p_n may be NULL: no edit). Parameters: none. Columns: key_id, mode_pre_id, mode_post_id, mode_post_n_id.
-- Probabilities are rounded to 12 decimals before ranking so floating-point summation order can never
-- change a tie; ties go to the smallest object_id.
SELECT key_id,
       first(object_id ORDER BY round(p_pre, 12) DESC, object_id) AS mode_pre_id,
       first(object_id ORDER BY round(p_n_prime, 12) DESC NULLS LAST, object_id) AS mode_post_id,
       first(object_id ORDER BY round(p_n, 12) DESC NULLS LAST, object_id) AS mode_post_n_id
FROM _cases_scored
GROUP BY key_id
ORDER BY key_id
