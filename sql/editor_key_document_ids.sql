-- editor_key_document_ids.sql: every document id in order; rome/memit draw their seeded key-statistics
-- sample from it. Parameters: none. Columns: document_id.
SELECT document_id FROM documents ORDER BY document_id
