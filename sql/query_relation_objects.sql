-- query_relation_objects.sql: the first names, in order, of the objects the world's facts give
-- $relation_id (a hint of kgedit.query.resolve). Parameters: $relation_id VARCHAR. Column: name (at most 6).
SELECT DISTINCT e.name FROM facts f JOIN entities e ON e.entity_id = f.object_id
WHERE f.relation_id = $relation_id
ORDER BY e.name
LIMIT 6
