-- corpus_world_index_drop.sql: drop the temp code tables of corpus_world_index.sql. Parameters: none.
DROP TABLE IF EXISTS temp._corpus_subject_index;
DROP TABLE IF EXISTS temp._corpus_relation_index;
DROP TABLE IF EXISTS temp._corpus_object_index;
