-- query_object_id.sql: the id of an entity named $name that the world's facts give as a value of
-- $relation_id (kgedit.query.resolve). Parameters: $name VARCHAR, $relation_id VARCHAR.
-- Column: object_id (no row: not an object of the relation).
SELECT f.object_id FROM facts f JOIN entities e ON e.entity_id = f.object_id
WHERE e.name = $name AND f.relation_id = $relation_id
LIMIT 1
