-- corpus_world_facts.sql: the world's facts as integer codes, sorted by (subject, relation), with the
-- subject's upstream object for downstream facts. Needs corpus_world_index.sql. Parameters: none.
-- Columns: subject, relation, object (object_idx), is_downstream, upstream_object (-1: none),
-- upstream_relation (-1 for upstream relations).
SELECT si.subject_idx AS subject,
       ri.relation_idx AS relation,
       oi.object_idx AS object,
       ri.role = 'downstream' AS is_downstream,
       CAST(coalesce(ui.object_idx, -1) AS INTEGER) AS upstream_object,
       CAST(CASE WHEN ri.role = 'downstream' THEN pi.relation_idx ELSE -1 END AS INTEGER) AS upstream_relation
FROM facts f
JOIN _corpus_subject_index si ON si.subject_id = f.subject_id
JOIN _corpus_relation_index ri ON ri.relation_id = f.relation_id
JOIN _corpus_object_index oi ON oi.object_id = f.object_id
LEFT JOIN _corpus_relation_index pi ON pi.relation_id = ri.partner_id
LEFT JOIN facts fu ON ri.role = 'downstream' AND fu.subject_id = f.subject_id AND fu.relation_id = ri.partner_id
LEFT JOIN _corpus_object_index ui ON ui.object_id = fu.object_id
ORDER BY subject, relation;
