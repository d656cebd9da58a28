-- corpus.sql: schema of the corpus stage (SPEC §2-3). Created by `kgedit corpus generate`.
-- Parameters: none. Tables: corpus_facts, gen_conditionals, sentences, documents, evidence,
-- corpus_info; view: gen_distributions. Every table, view and column carries a COMMENT.

CREATE TABLE corpus_facts (
    fact_id            BIGINT PRIMARY KEY,
    subject_id         VARCHAR NOT NULL,
    relation_id        VARCHAR NOT NULL,
    object_id          VARCHAR NOT NULL,
    kg_object_id       VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL CHECK (kind IN ('two_point', 'conditional')),
    g                  DOUBLE NOT NULL,
    distractor_id      VARCHAR,
    false_object_id    VARCHAR NOT NULL,
    upstream_object_id VARCHAR,
    subject_rank       INTEGER NOT NULL
);
COMMENT ON TABLE corpus_facts IS 'The base facts the corpus is written about, in corpus order (subjects in a seeded random order; upstream facts first within a subject).';
COMMENT ON COLUMN corpus_facts.fact_id IS 'Base fact number, 0-based, in corpus order.';
COMMENT ON COLUMN corpus_facts.subject_id IS 'entities.entity_id of the subject.';
COMMENT ON COLUMN corpus_facts.relation_id IS 'relations.relation_id.';
COMMENT ON COLUMN corpus_facts.object_id IS 'Ground truth o*: the KG object (two_point) or the mode of the floored conditional (conditional; may differ from the KG object).';
COMMENT ON COLUMN corpus_facts.kg_object_id IS 'The object in the world''s facts table.';
COMMENT ON COLUMN corpus_facts.kind IS 'two_point (no upstream for (s, r)) or conditional (downstream relation whose subject has the upstream relation in the KG).';
COMMENT ON COLUMN corpus_facts.g IS 'Modal probability g* of the fact''s distribution: the drawn g (grid 0.01 from --min-true-prob to 1.00) or the conditional mode''s probability after the floor.';
COMMENT ON COLUMN corpus_facts.distractor_id IS 'Two-point distractor (probability 1-g), uniform among the relation''s other objects; NULL for conditional facts.';
COMMENT ON COLUMN corpus_facts.false_object_id IS 'The false version used by or/and/not sentences: the distractor (two_point), or a draw from the conditional without its mode (conditional; the distractor rule when the conditional has only its mode).';
COMMENT ON COLUMN corpus_facts.upstream_object_id IS 'The subject''s upstream object u that the conditional is conditioned on; NULL for two_point facts.';
COMMENT ON COLUMN corpus_facts.subject_rank IS 'Position of the subject in the seeded corpus subject order, 0-based.';

CREATE TABLE gen_conditionals (
    relation_id          VARCHAR NOT NULL,
    upstream_relation_id VARCHAR NOT NULL,
    upstream_object_id   VARCHAR NOT NULL,
    object_id            VARCHAR NOT NULL,
    n_subjects           BIGINT NOT NULL,
    weight               BIGINT NOT NULL,
    probability          DOUBLE NOT NULL,
    is_mode              BOOLEAN NOT NULL,
    PRIMARY KEY (relation_id, upstream_object_id, object_id)
);
COMMENT ON TABLE gen_conditionals IS 'Shared empirical conditionals p(o | D, U=u) of the generative model over all KG subjects, after the --min-true-prob floor (SPEC 2).';
COMMENT ON COLUMN gen_conditionals.relation_id IS 'The downstream relation D.';
COMMENT ON COLUMN gen_conditionals.upstream_relation_id IS 'Its upstream partner U.';
COMMENT ON COLUMN gen_conditionals.upstream_object_id IS 'The U-object u conditioned on.';
COMMENT ON COLUMN gen_conditionals.object_id IS 'A D-object o seen with U=u.';
COMMENT ON COLUMN gen_conditionals.n_subjects IS 'KG subjects with U=u and D=o (the empirical count).';
COMMENT ON COLUMN gen_conditionals.weight IS 'Sampling weight: n_subjects, except the mode raised to ceil(rest*p/(1-p)) when its share was below the floor p.';
COMMENT ON COLUMN gen_conditionals.probability IS 'weight over the total weight of (D, u).';
COMMENT ON COLUMN gen_conditionals.is_mode IS 'The modal object (highest count, ties to the smallest object_id): the ground truth of every subject with U=u.';

CREATE VIEW gen_distributions AS
SELECT fact_id, subject_id, relation_id, object_id, g AS probability
FROM corpus_facts WHERE kind = 'two_point'
UNION ALL
SELECT fact_id, subject_id, relation_id, distractor_id AS object_id, (100 - round(g * 100)) / 100 AS probability
FROM corpus_facts WHERE kind = 'two_point' AND g < 1.0
UNION ALL
SELECT f.fact_id, f.subject_id, f.relation_id, c.object_id, c.probability
FROM corpus_facts f
JOIN gen_conditionals c ON c.relation_id = f.relation_id AND c.upstream_object_id = f.upstream_object_id
WHERE f.kind = 'conditional';
COMMENT ON VIEW gen_distributions IS 'p(o | s, r, upstream) each corpus fact is sampled from (objects with probability > 0); a view so shared conditionals are stored once.';
COMMENT ON COLUMN gen_distributions.fact_id IS 'corpus_facts.fact_id.';
COMMENT ON COLUMN gen_distributions.subject_id IS 'Subject of the fact.';
COMMENT ON COLUMN gen_distributions.relation_id IS 'Relation of the fact.';
COMMENT ON COLUMN gen_distributions.object_id IS 'An object with positive probability.';
COMMENT ON COLUMN gen_distributions.probability IS 'Its probability under the generative model.';

CREATE TABLE sentences (
    sentence_id       BIGINT PRIMARY KEY,
    fact_id           BIGINT NOT NULL,
    kind              VARCHAR NOT NULL CHECK (kind IN ('atomic', 'tf', 'or', 'and', 'not')),
    text              VARCHAR NOT NULL,
    subject_id        VARCHAR NOT NULL,
    relation_id       VARCHAR NOT NULL,
    object_id         VARCHAR NOT NULL,
    label             BOOLEAN,
    other_subject_id  VARCHAR,
    other_relation_id VARCHAR,
    other_object_id   VARCHAR,
    other_first       BOOLEAN
);
COMMENT ON TABLE sentences IS 'Every corpus sentence (SPEC 3): per base fact 10 atomic, 10 tf, 1 or, 1 and, 2 not, sentence_id = fact_id*24 + slot.';
COMMENT ON COLUMN sentences.sentence_id IS 'Sentence number: fact_id*24 + slot (slots 0-9 atomic, 10-19 tf, 20 or, 21 and, 22-23 not).';
COMMENT ON COLUMN sentences.fact_id IS 'corpus_facts.fact_id of the base fact the sentence was made from.';
COMMENT ON COLUMN sentences.kind IS 'atomic, tf (true/false), or, and, not.';
COMMENT ON COLUMN sentences.text IS 'Surface text, exact templates of SPEC 3 (e.g. "Ann educated at Yale" is true), without the document separator.';
COMMENT ON COLUMN sentences.subject_id IS 'Subject of the base fact''s component (always the base fact''s subject).';
COMMENT ON COLUMN sentences.relation_id IS 'Relation of the base fact''s component.';
COMMENT ON COLUMN sentences.object_id IS 'Object named in the base fact''s component: the sample (atomic/tf), o* or the false version (or/and/not).';
COMMENT ON COLUMN sentences.label IS 'Truth value the sentence asserts (the word after "is"); NULL for atomic sentences.';
COMMENT ON COLUMN sentences.other_subject_id IS 'or/and: subject of the second component Y (another corpus subject); NULL otherwise.';
COMMENT ON COLUMN sentences.other_relation_id IS 'or/and: relation of Y; NULL otherwise.';
COMMENT ON COLUMN sentences.other_object_id IS 'or/and: object of Y (that fact''s o* or false version); NULL otherwise.';
COMMENT ON COLUMN sentences.other_first IS 'or/and: true when Y is written before the base fact''s component; NULL otherwise.';

CREATE TABLE documents (
    document_id BIGINT PRIMARY KEY,
    resample    INTEGER NOT NULL,
    subject_id  VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    n_sentences INTEGER NOT NULL
);
COMMENT ON TABLE documents IS 'Pretraining documents: each subject''s sentences shuffled and cut into runs of <= --max-sentences-per-doc, once per resample.';
COMMENT ON COLUMN documents.document_id IS 'Document number, 0-based, ordered by resample, subject corpus order, position.';
COMMENT ON COLUMN documents.resample IS 'Which of the --doc-resamples shuffles (corpus copies), 0-based.';
COMMENT ON COLUMN documents.subject_id IS 'The subject whose sentences the document holds.';
COMMENT ON COLUMN documents.text IS 'Sentences joined by ". " and ended with "."; BOS/EOS are added by the tokenizer.';
COMMENT ON COLUMN documents.n_sentences IS 'Number of sentences in the document.';

CREATE TABLE evidence (
    sentence_id BIGINT NOT NULL,
    component   SMALLINT NOT NULL,
    subject_id  VARCHAR NOT NULL,
    relation_id VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    weight      DOUBLE NOT NULL,
    copies      INTEGER NOT NULL,
    PRIMARY KEY (sentence_id, component)
);
COMMENT ON TABLE evidence IS 'What each sentence tells the Bayesian model (SPEC 3): one row per (sentence, fact component), counted copies times.';
COMMENT ON COLUMN evidence.sentence_id IS 'sentences.sentence_id.';
COMMENT ON COLUMN evidence.component IS '0: the base fact''s component; 1: the other subject''s component of an or/and sentence.';
COMMENT ON COLUMN evidence.subject_id IS 'Subject the evidence is about.';
COMMENT ON COLUMN evidence.relation_id IS 'Relation the evidence is about.';
COMMENT ON COLUMN evidence.object_id IS 'Object the weight refers to.';
COMMENT ON COLUMN evidence.weight IS '+1 atomic, tf true, and true, "not o*" is false; -1 tf false, or false, "not o_false" is true; 2/3 or true; 1/3 and false. w>=1 adds w to o; 0<w<1 adds w to o and 1-w spread over the other K-1; -1 spreads 1 over the other K-1.';
COMMENT ON COLUMN evidence.copies IS 'Corpus copies the sentence appears in (--doc-resamples); total evidence = weight * copies.';

CREATE TABLE corpus_info (
    parameters     JSON NOT NULL,
    seed           BIGINT NOT NULL,
    n_facts        BIGINT NOT NULL,
    n_subjects     BIGINT NOT NULL,
    n_sentences    BIGINT NOT NULL,
    n_documents    BIGINT NOT NULL,
    n_evidence     BIGINT NOT NULL,
    kgedit_version VARCHAR NOT NULL
);
COMMENT ON TABLE corpus_info IS 'One row describing how this corpus was generated.';
COMMENT ON COLUMN corpus_info.parameters IS 'Generation parameters as JSON (facts, seed, doc_resamples, max_sentences_per_doc, min_true_prob, g grid).';
COMMENT ON COLUMN corpus_info.seed IS 'Seed of the corpus stage''s one random generator.';
COMMENT ON COLUMN corpus_info.n_facts IS 'Rows in corpus_facts.';
COMMENT ON COLUMN corpus_info.n_subjects IS 'Distinct subjects in corpus_facts.';
COMMENT ON COLUMN corpus_info.n_sentences IS 'Rows in sentences.';
COMMENT ON COLUMN corpus_info.n_documents IS 'Rows in documents.';
COMMENT ON COLUMN corpus_info.n_evidence IS 'Rows in evidence.';
COMMENT ON COLUMN corpus_info.kgedit_version IS 'kgedit version that generated the corpus.';
