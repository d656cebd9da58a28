-- world_import.sql: split raw lines and apply the exclusions of SPEC 1.1.
-- Parameters: none. Reads triple_lines, entity_lines, relation_lines (line_no, line).
-- Creates temp tables:
--   entity_alias(entity_id, name, line_no, n_lines)      first alias of each entity id (first line of an
--       id wins; n_lines > 1 when the id has more lines, which are ignored)
--   relation_alias(relation_id, label, line_no, n_lines) first alias of each relation id (likewise)
--   kept_triples(line_no, subject_id, relation_id, object_id)  triples surviving the exclusions:
--       relation not P735/P131, head and tail not Q5/Q16521, head, tail and relation with an alias.
--   subject_relation(subject_id, relation_id)   distinct relations of each subject (for co-occurrence)
CREATE OR REPLACE TEMP TABLE entity_alias AS
SELECT entity_id, name, line_no, n_lines FROM (
    SELECT split_part(line, chr(9), 1) AS entity_id,
           arg_min(split_part(line, chr(9), 2), line_no) AS name,
           min(line_no) AS line_no,
           count(*) AS n_lines
    FROM entity_lines GROUP BY 1)
WHERE name <> '';

CREATE OR REPLACE TEMP TABLE relation_alias AS
SELECT relation_id, label, line_no, n_lines FROM (
    SELECT split_part(line, chr(9), 1) AS relation_id,
           arg_min(split_part(line, chr(9), 2), line_no) AS label,
           min(line_no) AS line_no,
           count(*) AS n_lines
    FROM relation_lines GROUP BY 1)
WHERE label <> '';

CREATE OR REPLACE TEMP TABLE kept_triples AS
SELECT line_no, subject_id, relation_id, object_id FROM (
    SELECT line_no,
           split_part(line, chr(9), 1) AS subject_id,
           split_part(line, chr(9), 2) AS relation_id,
           split_part(line, chr(9), 3) AS object_id
    FROM triple_lines)
WHERE relation_id NOT IN ('P735', 'P131')
  AND subject_id NOT IN ('Q5', 'Q16521')
  AND object_id NOT IN ('Q5', 'Q16521')
  AND subject_id IN (SELECT entity_id FROM entity_alias)
  AND object_id IN (SELECT entity_id FROM entity_alias)
  AND relation_id IN (SELECT relation_id FROM relation_alias);

CREATE OR REPLACE TEMP TABLE subject_relation AS
SELECT DISTINCT subject_id, relation_id FROM kept_triples;
