-- world_counts.sql: the sizes of a built world, for build_info (kgedit.world.tables.write_build_info).
-- Parameters: none. Columns: n_entities, n_subjects, n_objects, n_relations, n_facts.
SELECT (SELECT count(*) FROM entities) AS n_entities, (SELECT count(DISTINCT subject_id) FROM facts) AS n_subjects,
       (SELECT count(*) FROM objects) AS n_objects, (SELECT count(*) FROM relations) AS n_relations,
       (SELECT count(*) FROM facts) AS n_facts
