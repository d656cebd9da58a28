-- corpus_insert_facts.sql: corpus_facts from the generator's integer codes.
-- Input: registered arrow table _corpus_facts_in(fact_id, subject, relation, object, kg_object, kind,
-- g, distractor, false_object, upstream_object, subject_rank); codes of -1 become NULL.
-- Needs corpus_world_index.sql. Parameters: none.
INSERT INTO corpus_facts
SELECT i.fact_id, s.subject_id, r.relation_id, o.object_id, ko.object_id, CAST(i.kind AS VARCHAR), i.g,
       d.object_id, fo.object_id, u.object_id, i.subject_rank
FROM _corpus_facts_in i
JOIN _corpus_subject_index s ON s.subject_idx = i.subject
JOIN _corpus_relation_index r ON r.relation_idx = i.relation
JOIN _corpus_object_index o ON o.object_idx = i.object
JOIN _corpus_object_index ko ON ko.object_idx = i.kg_object
JOIN _corpus_object_index fo ON fo.object_idx = i.false_object
LEFT JOIN _corpus_object_index d ON d.object_idx = i.distractor
LEFT JOIN _corpus_object_index u ON u.object_idx = i.upstream_object
ORDER BY i.fact_id;
