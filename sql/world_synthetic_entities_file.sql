-- world_synthetic_entities_file.sql: the synthetic entities as a Wikidata5m entity alias file.
-- Parameters: $path VARCHAR (the file written). Reads entity_t(idx, name), human_t(s, given).
-- Line: id<TAB>name[<TAB>upper-case alias for every third entity]; plus Q5 (human) and the given names.
COPY (
    SELECT line FROM (
        SELECT 0 AS part, idx AS k,
               'E' || lpad((idx + 1)::VARCHAR, 7, '0') || chr(9) || name
               || CASE WHEN idx % 3 = 0 THEN chr(9) || upper(name) ELSE '' END AS line
        FROM entity_t
        UNION ALL SELECT 1, 0, 'Q5' || chr(9) || 'human'
        UNION ALL SELECT DISTINCT 2, 0, 'G:' || given || chr(9) || given FROM human_t)
    ORDER BY part, k, line
) TO $path (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '');
