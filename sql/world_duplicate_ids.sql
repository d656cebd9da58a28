-- world_duplicate_ids.sql: how many entity and relation ids stand on more than one line of their alias
-- file (only the first line counts; see world_import.sql). Parameters: none.
-- Columns: entities, relations.
SELECT (SELECT count(*) FROM entity_alias WHERE n_lines > 1) AS entities,
       (SELECT count(*) FROM relation_alias WHERE n_lines > 1) AS relations
