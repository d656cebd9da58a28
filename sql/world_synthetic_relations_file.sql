-- world_synthetic_relations_file.sql: the synthetic relations as a Wikidata5m relation alias file.
-- Parameters: $path VARCHAR (the file written). Reads relation_t(r, pid, label).
COPY (
    SELECT line FROM (
        SELECT r AS k, pid || chr(9) || label AS line FROM relation_t
        UNION ALL SELECT 100, 'P735' || chr(9) || 'given name' || chr(9) || 'first name')
    ORDER BY k
) TO $path (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '');
