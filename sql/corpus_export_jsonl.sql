-- corpus_export_jsonl.sql: one JSON line per document, in document_id order. Parameters: none.
-- Column: line (VARCHAR): {"document_id", "resample", "subject_id", "n_sentences", "text"}.
SELECT CAST(to_json({'document_id': document_id, 'resample': resample, 'subject_id': subject_id,
                     'n_sentences': n_sentences, 'text': text}) AS VARCHAR) AS line
FROM documents
ORDER BY document_id;
