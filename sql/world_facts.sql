-- world_facts.sql: the ground-truth facts, entities and objects of SPEC 1.3 from an import.
-- Parameters: none. Reads kept_triples, entity_alias and chosen(relation_id, choice_rank).
-- Steps: (1) chosen relations only, 1:N -> 1:1 keeping the first object in file order; (2) subjects
-- with >= 2 chosen relations; (3) surface strings: on a name clash among the entities of (2) the id
-- first in the entities file wins, the others are dropped with their facts (name_losers); (4) the
-- >= 2 rule again, since dropping facts can leave a subject with one. Dropping only removes
-- entities, so no new clash can appear and one pass suffices.
CREATE OR REPLACE TEMP TABLE candidate_facts AS
SELECT subject_id, relation_id, arg_min(object_id, line_no) AS object_id, min(line_no) AS source_line
FROM kept_triples
WHERE relation_id IN (SELECT relation_id FROM chosen)
GROUP BY subject_id, relation_id;

DELETE FROM candidate_facts WHERE subject_id IN (
    SELECT subject_id FROM candidate_facts GROUP BY subject_id HAVING count(*) < 2);

CREATE OR REPLACE TEMP TABLE candidate_entities AS
SELECT e.entity_id, e.name, e.line_no,
       row_number() OVER (PARTITION BY e.name ORDER BY e.line_no) AS name_rank
FROM entity_alias e
WHERE e.entity_id IN (SELECT subject_id FROM candidate_facts UNION SELECT object_id FROM candidate_facts);

CREATE OR REPLACE TEMP TABLE name_losers AS
SELECT entity_id FROM candidate_entities WHERE name_rank > 1;

DELETE FROM candidate_facts
WHERE subject_id IN (SELECT entity_id FROM name_losers) OR object_id IN (SELECT entity_id FROM name_losers);

DELETE FROM candidate_facts WHERE subject_id IN (
    SELECT subject_id FROM candidate_facts GROUP BY subject_id HAVING count(*) < 2);

INSERT INTO facts
SELECT subject_id, relation_id, object_id, source_line FROM candidate_facts
ORDER BY subject_id, relation_id;

INSERT INTO entities
SELECT entity_id, name FROM candidate_entities
WHERE name_rank = 1
  AND entity_id IN (SELECT subject_id FROM facts UNION SELECT object_id FROM facts)
ORDER BY entity_id;
