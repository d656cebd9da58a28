-- world_bad_line.sql: the first malformed line of the raw input tables (SPEC 1: Wikidata5m format).
-- Parameters: none. Reads triple_lines, entity_lines, relation_lines (line_no, line).
-- Columns: file ('triples' | 'entities' | 'relations'), line_no (1-based), line (the text, NULL if blank).
-- A triples line must have exactly 3 non-empty tab-separated fields; an alias line a non-empty id field.
SELECT 'triples' AS file, line_no, line FROM (
    SELECT line_no, line FROM triple_lines
    WHERE line IS NULL
       OR len(string_split(line, chr(9))) <> 3
       OR list_contains(string_split(line, chr(9)), '')
    ORDER BY line_no LIMIT 1)
UNION ALL
SELECT 'entities', line_no, line FROM (
    SELECT line_no, line FROM entity_lines
    WHERE line IS NULL OR split_part(line, chr(9), 1) = '' ORDER BY line_no LIMIT 1)
UNION ALL
SELECT 'relations', line_no, line FROM (
    SELECT line_no, line FROM relation_lines
    WHERE line IS NULL OR split_part(line, chr(9), 1) = '' ORDER BY line_no LIMIT 1)
ORDER BY file DESC;
