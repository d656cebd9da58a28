-- corpus_insert_sentences.sql: sentences with their text: the templates of SPEC 3 live here.
--   atomic  {s} {r} {o}                     tf   "{s} {r} {o}" is true|false
--   or/and  "{X} or|and {Y}" is true|false   not  "not {s} {r} {o}" is true|false
-- Names: entities.name for subjects and objects, relations.label for relations.
-- Input: registered arrow table _corpus_sentences_in(sentence_id, fact_id, kind, subject, relation,
-- object, label, other_subject, other_relation, other_object, other_first); codes of -1 become NULL.
-- Needs corpus_world_index.sql. Parameters: none.
INSERT INTO sentences
WITH named AS (
    SELECT i.sentence_id, i.fact_id, CAST(i.kind AS VARCHAR) AS kind, i.label, i.other_first,
           s.subject_id, r.relation_id, o.object_id,
           s.name || ' ' || r.label || ' ' || o.name AS own,
           s2.subject_id AS other_subject_id, r2.relation_id AS other_relation_id, o2.object_id AS other_object_id,
           s2.name || ' ' || r2.label || ' ' || o2.name AS other,
           CASE WHEN i.label THEN 'true' ELSE 'false' END AS truth
    FROM _corpus_sentences_in i
    JOIN _corpus_subject_index s ON s.subject_idx = i.subject
    JOIN _corpus_relation_index r ON r.relation_idx = i.relation
    JOIN _corpus_object_index o ON o.object_idx = i.object
    LEFT JOIN _corpus_subject_index s2 ON s2.subject_idx = i.other_subject
    LEFT JOIN _corpus_relation_index r2 ON r2.relation_idx = i.other_relation
    LEFT JOIN _corpus_object_index o2 ON o2.object_idx = i.other_object
)
SELECT sentence_id, fact_id, kind,
       CASE kind
           WHEN 'atomic' THEN own
           WHEN 'tf' THEN '"' || own || '" is ' || truth
           WHEN 'not' THEN '"not ' || own || '" is ' || truth
           ELSE '"' || (CASE WHEN other_first THEN other ELSE own END) || ' ' || kind || ' '
                || (CASE WHEN other_first THEN own ELSE other END) || '" is ' || truth
       END AS text,
       subject_id, relation_id, object_id, label, other_subject_id, other_relation_id, other_object_id,
       CASE WHEN kind IN ('or', 'and') THEN other_first END AS other_first
FROM named
ORDER BY sentence_id;
