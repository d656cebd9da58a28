-- corpus_world_index.sql: dense integer codes for the world's subjects and relations (temp tables,
-- gone when the connection closes). Objects use objects.object_idx. Parameters: none.
-- _corpus_subject_index(subject_id, subject_idx, name); _corpus_relation_index(relation_id,
-- relation_idx, label, role, partner_id).
CREATE OR REPLACE TEMP TABLE _corpus_subject_index AS
SELECT d.subject_id, CAST(row_number() OVER (ORDER BY d.subject_id) - 1 AS INTEGER) AS subject_idx, e.name
FROM (SELECT DISTINCT subject_id FROM facts) d JOIN entities e ON e.entity_id = d.subject_id;
CREATE OR REPLACE TEMP TABLE _corpus_relation_index AS
SELECT relation_id, CAST(row_number() OVER (ORDER BY relation_id) - 1 AS INTEGER) AS relation_idx,
       label, role, partner_id
FROM relations;
CREATE OR REPLACE TEMP TABLE _corpus_object_index AS
SELECT o.object_id, o.object_idx, e.name FROM objects o JOIN entities e ON e.entity_id = o.object_id;
