-- corpus_insert_conditionals.sql: gen_conditionals from the generator's integer codes.
-- Input: registered arrow table _corpus_conditionals_in(relation, upstream_object, object, n_subjects,
-- weight, probability, is_mode). Needs corpus_world_index.sql. Parameters: none.
INSERT INTO gen_conditionals
SELECT r.relation_id, r.partner_id, u.object_id, o.object_id, i.n_subjects, i.weight, i.probability, i.is_mode
FROM _corpus_conditionals_in i
JOIN _corpus_relation_index r ON r.relation_idx = i.relation
JOIN _corpus_object_index u ON u.object_idx = i.upstream_object
JOIN _corpus_object_index o ON o.object_idx = i.object
ORDER BY r.relation_id, u.object_id, o.object_id;
