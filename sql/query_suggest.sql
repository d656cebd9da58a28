-- query_suggest.sql: candidate names for a "did you mean" (kgedit.query.resolve.suggest): entity names
-- sharing a word or the first two letters with the unknown name, or close to it, so that difflib ranks
-- a few thousand names rather than a paper-scale world's all.
-- Parameters: $words VARCHAR[] (the name's lowercase words of 3+ letters), $prefix VARCHAR (its first
-- two letters), $text VARCHAR (the lowercase name); $relation VARCHAR (only objects of this relation;
-- NULL: no such restriction), $subjects BOOLEAN (only subjects).
-- Column: name, in name order (at most 5000).
SELECT name FROM entities
WHERE (list_has_any(string_split(lower(name), ' '), $words) OR starts_with(lower(name), $prefix)
       OR jaro_winkler_similarity(lower(name), $text) > 0.8)
  AND ($relation::VARCHAR IS NULL OR entity_id IN (SELECT object_id FROM facts WHERE relation_id = $relation))
  AND (NOT $subjects OR entity_id IN (SELECT subject_id FROM facts))
ORDER BY name
LIMIT 5000
