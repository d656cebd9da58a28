-- world_synthetic.sql: write a generated synthetic world (kgedit.world.synthetic) into the world tables.
-- Parameters: none. Reads registered views synthetic_facts(s, r, o) (entity and relation indices,
-- sorted by subject then relation), synthetic_entities(idx, name), synthetic_relations(r, relation_id).
-- Entity ids are 'E' + the 1-based index in 7 digits; source_line is the generation order.
INSERT INTO facts
SELECT 'E' || lpad((f.s + 1)::VARCHAR, 7, '0'), rel.relation_id, 'E' || lpad((f.o + 1)::VARCHAR, 7, '0'),
       row_number() OVER (ORDER BY f.s, f.r)
FROM synthetic_facts f JOIN synthetic_relations rel ON rel.r = f.r
ORDER BY f.s, f.r;

INSERT INTO entities
SELECT 'E' || lpad((idx + 1)::VARCHAR, 7, '0') AS entity_id, name
FROM synthetic_entities
WHERE idx IN (SELECT s FROM synthetic_facts UNION SELECT o FROM synthetic_facts)
ORDER BY entity_id;

CREATE OR REPLACE TEMP TABLE subject_relation AS
SELECT DISTINCT subject_id, relation_id FROM facts;
