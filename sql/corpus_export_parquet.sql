-- corpus_export_parquet.sql: the documents for a parquet file, in document_id order. Parameters: none.
-- Columns: document_id, resample, subject_id, n_sentences, text.
SELECT document_id, resample, subject_id, n_sentences, text
FROM documents
ORDER BY document_id;
