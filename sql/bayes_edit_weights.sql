-- bayes_edit_weights.sql: n' for each of many edit requests (kgedit.bayes.edits.edit_weights).
-- Reads the registered table _kgedit_edits(edit_id, subject_id, relation_id, object_id).
-- Parameters: $target DOUBLE (the direct belief n' must reach).
-- Columns: edit_id, p_before, goal, n_prime (see sql/bayes_edit_weight.sql), ordered by edit_id.
WITH edit_input AS (
    SELECT edit_id::BIGINT AS edit_id, subject_id, relation_id, object_id, $target::DOUBLE AS target
    FROM _kgedit_edits),
edit_weight AS (
-- include: bayes_edit_weight.sql
)
SELECT * FROM edit_weight ORDER BY edit_id
