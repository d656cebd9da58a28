-- lm_documents.sql: the pretraining documents in a fixed order (tokenizer training, packing, counts).
-- Parameters: none. Columns: document_id, text.
SELECT document_id, text FROM documents ORDER BY document_id
