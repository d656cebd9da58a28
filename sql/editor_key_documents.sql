-- editor_key_documents.sql: the texts of the documents chosen for rome/memit's key statistics.
-- Parameters: $ids (BIGINT[]). Columns: document_id, text.
SELECT document_id, text FROM documents WHERE document_id IN (SELECT unnest($ids::BIGINT[])) ORDER BY document_id
