-- world.sql: schema of the world (knowledge graph) stage. Created by `kgedit world build`.
-- Parameters: none. Tables: entities, relations, relation_pairs, facts, objects,
-- relation_cooccurrence, build_info. Every table and column carries a COMMENT.

CREATE TABLE entities (
    entity_id VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL UNIQUE
);
COMMENT ON TABLE entities IS 'Every entity used by a kept fact, as subject or object, with its surface string.';
COMMENT ON COLUMN entities.entity_id IS 'Wikidata Q-id (e.g. Q42) or a synthetic id (e.g. E000042).';
COMMENT ON COLUMN entities.name IS 'Surface string used in sentences: the first alias; unique (on clashes the first id in file order wins).';

CREATE TABLE relations (
    relation_id VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL UNIQUE,
    name        VARCHAR NOT NULL UNIQUE,
    role        VARCHAR NOT NULL CHECK (role IN ('upstream', 'downstream')),
    partner_id  VARCHAR NOT NULL,
    pair_id     INTEGER NOT NULL,
    choice_rank INTEGER NOT NULL
);
COMMENT ON TABLE relations IS 'The chosen relations, each upstream or downstream in exactly one pair.';
COMMENT ON COLUMN relations.relation_id IS 'Wikidata P-id (e.g. P69) or a synthetic id (e.g. R01).';
COMMENT ON COLUMN relations.label IS 'Surface string used in sentences: the first alias (e.g. educated at).';
COMMENT ON COLUMN relations.name IS 'Identifier form of the label used in queries: lower case, runs of other characters as _ (e.g. educated_at).';
COMMENT ON COLUMN relations.role IS 'upstream (its object informs the partner''s object) or downstream.';
COMMENT ON COLUMN relations.partner_id IS 'relation_id of the other relation in the pair.';
COMMENT ON COLUMN relations.pair_id IS 'relation_pairs.pair_id of the pair this relation belongs to.';
COMMENT ON COLUMN relations.choice_rank IS 'Order in which the relation was chosen (greedy co-occurrence walk, or the order given).';

CREATE TABLE relation_pairs (
    pair_id        INTEGER PRIMARY KEY,
    upstream_id    VARCHAR NOT NULL UNIQUE,
    downstream_id  VARCHAR NOT NULL UNIQUE,
    weight         DOUBLE NOT NULL,
    direction_rule VARCHAR NOT NULL
);
COMMENT ON TABLE relation_pairs IS 'Upstream -> downstream relation pairs from maximum-weight perfect matching (SPEC 1.4).';
COMMENT ON COLUMN relation_pairs.pair_id IS 'Pair number, 0-based, ordered by upstream relation choice rank.';
COMMENT ON COLUMN relation_pairs.upstream_id IS 'relation_id of the upstream relation U.';
COMMENT ON COLUMN relation_pairs.downstream_id IS 'relation_id of the downstream relation D.';
COMMENT ON COLUMN relation_pairs.weight IS 'Matching weight Cn[i,j] + Cn[j,i] of the row-normalised co-occurrence matrix.';
COMMENT ON COLUMN relation_pairs.direction_rule IS 'How the direction was decided: paper_table2, file_order, config or synthetic.';

CREATE TABLE facts (
    subject_id  VARCHAR NOT NULL,
    relation_id VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    source_line BIGINT NOT NULL,
    PRIMARY KEY (subject_id, relation_id)
);
COMMENT ON TABLE facts IS 'Ground-truth knowledge graph: one object per (subject, relation) for kept subjects (>= 2 chosen relations).';
COMMENT ON COLUMN facts.subject_id IS 'entities.entity_id of the subject.';
COMMENT ON COLUMN facts.relation_id IS 'relations.relation_id.';
COMMENT ON COLUMN facts.object_id IS 'entities.entity_id of the object: the first object in file order (1:N made 1:1).';
COMMENT ON COLUMN facts.source_line IS '1-based line of the triple in the triples file (synthetic: generation order).';

CREATE TABLE objects (
    object_id  VARCHAR PRIMARY KEY,
    object_idx INTEGER NOT NULL UNIQUE
);
COMMENT ON TABLE objects IS 'The K distinct objects of the world (the support of every belief), with a dense index.';
COMMENT ON COLUMN objects.object_id IS 'entities.entity_id of an entity that is the object of at least one fact.';
COMMENT ON COLUMN objects.object_idx IS 'Dense 0-based index in object_id order.';

CREATE TABLE relation_cooccurrence (
    relation_a VARCHAR NOT NULL,
    relation_b VARCHAR NOT NULL,
    n_subjects BIGINT NOT NULL,
    PRIMARY KEY (relation_a, relation_b)
);
COMMENT ON TABLE relation_cooccurrence IS 'C[i,j]: subjects (with >= 2 distinct relations) having both relations, i != j, both orders; after exclusions.';
COMMENT ON COLUMN relation_cooccurrence.relation_a IS 'A relation id.';
COMMENT ON COLUMN relation_cooccurrence.relation_b IS 'Another relation id.';
COMMENT ON COLUMN relation_cooccurrence.n_subjects IS 'Number of subjects having both relations.';

CREATE TABLE build_info (
    source             VARCHAR NOT NULL,
    parameters         JSON NOT NULL,
    n_triples_read     BIGINT NOT NULL,
    n_triples_kept     BIGINT NOT NULL,
    n_entities         BIGINT NOT NULL,
    n_subjects         BIGINT NOT NULL,
    n_objects          BIGINT NOT NULL,
    n_relations        INTEGER NOT NULL,
    n_facts            BIGINT NOT NULL,
    duplicates_dropped BIGINT NOT NULL,
    kgedit_version     VARCHAR NOT NULL,
    seed               BIGINT,
    duplicate_entity_ids   BIGINT NOT NULL DEFAULT 0,
    duplicate_relation_ids BIGINT NOT NULL DEFAULT 0
);
COMMENT ON TABLE build_info IS 'One row describing how this world was built.';
COMMENT ON COLUMN build_info.source IS 'wikidata5m or synthetic.';
COMMENT ON COLUMN build_info.parameters IS 'Build parameters as JSON (file paths, read_n_facts, n_relations, subjects, ...).';
COMMENT ON COLUMN build_info.n_triples_read IS 'Triple lines read from the input (synthetic: generated).';
COMMENT ON COLUMN build_info.n_triples_kept IS 'Triples left after the exclusions of SPEC 1.1.';
COMMENT ON COLUMN build_info.n_entities IS 'Rows in entities.';
COMMENT ON COLUMN build_info.n_subjects IS 'Distinct subjects in facts.';
COMMENT ON COLUMN build_info.n_objects IS 'Distinct objects in facts (K).';
COMMENT ON COLUMN build_info.n_relations IS 'Chosen relations.';
COMMENT ON COLUMN build_info.n_facts IS 'Rows in facts.';
COMMENT ON COLUMN build_info.duplicates_dropped IS 'Entity ids dropped because their surface string was already taken by an earlier id.';
COMMENT ON COLUMN build_info.kgedit_version IS 'kgedit version that built the world.';
COMMENT ON COLUMN build_info.seed IS 'Seed of the synthetic generator (NULL for Wikidata imports).';
COMMENT ON COLUMN build_info.duplicate_entity_ids IS 'Entity ids on more than one line of the entities file (the first line of each is used).';
COMMENT ON COLUMN build_info.duplicate_relation_ids IS 'Relation ids on more than one line of the relations file (the first line of each is used).';
