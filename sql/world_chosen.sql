-- world_chosen.sql: the temp table chosen(relation_id, choice_rank) that world_facts.sql reads
-- (kgedit.world.wikidata). Parameters: $ids VARCHAR[] (the chosen relation ids, in choice order).
CREATE OR REPLACE TEMP TABLE chosen AS
SELECT unnest($ids) AS relation_id, generate_subscripts($ids, 1) - 1 AS choice_rank
