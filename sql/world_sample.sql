-- world_sample.sql: keep only the sampled subjects' facts, and the entities those facts use.
-- Parameters: none. Reads sampled_subjects(subject_id). Every fact of a kept subject is kept, so
-- each still has >= 2 chosen relations.
DELETE FROM facts WHERE subject_id NOT IN (SELECT subject_id FROM sampled_subjects);
DELETE FROM entities WHERE entity_id NOT IN (SELECT subject_id FROM facts UNION SELECT object_id FROM facts);
DROP TABLE sampled_subjects;
