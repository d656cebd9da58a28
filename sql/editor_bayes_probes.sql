-- editor_bayes_probes.sql: what the bayes editor trains toward, for a batch of edit requests.
-- Input: _kgedit_edits(edit_id, subject_id, relation_id, object_id) registered by the caller.
-- Output: one probe row per (edit, consequence, candidate object): the edited relation itself and
-- its pair partner when the subject has that relation in the corpus; the candidates are every object
-- the relation has in the world's facts. Columns: probe_id, edit_id, subject_id, relation_id,
-- object_id, prompt ("{subject name} {relation label}"), object (name), consequence ('fact' or
-- 'partner'). Ordered so probe_id is deterministic.
WITH consequences AS (
    SELECT e.edit_id, e.subject_id, e.relation_id, 'fact' AS consequence FROM _kgedit_edits e
    UNION ALL
    SELECT e.edit_id, e.subject_id, r.partner_id, 'partner'
    FROM _kgedit_edits e JOIN relations r ON r.relation_id = e.relation_id
    WHERE EXISTS (SELECT 1 FROM corpus_facts f WHERE f.subject_id = e.subject_id AND f.relation_id = r.partner_id)
),
candidates AS (
    SELECT DISTINCT relation_id, object_id FROM facts
)
SELECT (row_number() OVER (ORDER BY c.edit_id, c.consequence, k.object_id) - 1)::BIGINT AS probe_id,
       c.edit_id, c.subject_id, c.relation_id, k.object_id,
       s.name || ' ' || r.label AS prompt, o.name AS object, c.consequence
FROM consequences c
JOIN candidates k ON k.relation_id = c.relation_id
JOIN entities s ON s.entity_id = c.subject_id
JOIN relations r ON r.relation_id = c.relation_id
JOIN entities o ON o.entity_id = k.object_id
ORDER BY probe_id
