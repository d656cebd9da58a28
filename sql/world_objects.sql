-- world_objects.sql: the K objects of the world with a dense index in object_id order.
-- Parameters: none. Reads facts; writes objects(object_id, object_idx).
INSERT INTO objects
SELECT object_id, (row_number() OVER (ORDER BY object_id) - 1)::INTEGER
FROM (SELECT DISTINCT object_id FROM facts)
ORDER BY object_id;
