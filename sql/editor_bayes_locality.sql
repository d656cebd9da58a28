-- editor_bayes_locality.sql: the pool of prompts for the bayes editor's locality term: one
-- "{subject name} {relation label}" per corpus fact with its object's name, in (subject_id, relation_id) order. The editor
-- samples from the facts of *other* subjects with the edited relation and its partner: the neighbours
-- a rank-1 update of a relation's prompts is most likely to disturb; and (subject_prompts) from the
-- edited subject's own facts of other relations.
SELECT f.subject_id, f.relation_id, s.name || ' ' || r.label AS prompt, o.name AS object
FROM corpus_facts f
JOIN entities s ON s.entity_id = f.subject_id
JOIN entities o ON o.entity_id = f.object_id
JOIN relations r ON r.relation_id = f.relation_id
ORDER BY f.subject_id, f.relation_id
