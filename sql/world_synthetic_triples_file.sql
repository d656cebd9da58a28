-- world_synthetic_triples_file.sql: the synthetic world as a Wikidata5m triples file.
-- Parameters: $path VARCHAR (the file written).
-- Reads facts_t(s, r, o), extra_t(s, r, o) (a second, later object: 1:N), human_t(s, given),
-- relation_t(r, pid). Per subject: 'instance of' Q5 and a P735 given name for people (both dropped by
-- the exclusions), then each fact followed by its extra object if it has one.
COPY (
    SELECT subject_id, relation_id, object_id FROM (
        SELECT f.s AS k, 2 * f.r AS ord, 'E' || lpad((f.s + 1)::VARCHAR, 7, '0') AS subject_id,
               rel.pid AS relation_id, 'E' || lpad((f.o + 1)::VARCHAR, 7, '0') AS object_id
        FROM facts_t f JOIN relation_t rel ON rel.r = f.r
        UNION ALL
        SELECT e.s, 2 * e.r + 1, 'E' || lpad((e.s + 1)::VARCHAR, 7, '0'), rel.pid,
               'E' || lpad((e.o + 1)::VARCHAR, 7, '0')
        FROM extra_t e JOIN relation_t rel ON rel.r = e.r
        UNION ALL
        SELECT h.s, -2, 'E' || lpad((h.s + 1)::VARCHAR, 7, '0'), 'P31', 'Q5' FROM human_t h
        UNION ALL
        SELECT h.s, -1, 'E' || lpad((h.s + 1)::VARCHAR, 7, '0'), 'P735', 'G:' || h.given FROM human_t h)
    ORDER BY k, ord
) TO $path (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '');
