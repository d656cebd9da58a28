-- corpus_insert_documents.sql: documents from the generator's arrow table.
-- Input: registered arrow table _corpus_documents_in(document_id, resample, subject_rank, text,
-- n_sentences); the subject comes from corpus_facts.subject_rank. Parameters: none.
INSERT INTO documents
SELECT i.document_id, i.resample, s.subject_id, CAST(i.text AS VARCHAR), i.n_sentences
FROM _corpus_documents_in i
JOIN (SELECT DISTINCT subject_rank, subject_id FROM corpus_facts) s ON s.subject_rank = i.subject_rank
ORDER BY i.document_id;
