-- corpus_export_txt.sql: one document text per line, in document_id order (line breaks inside a
-- name, which the world's TSV sources cannot hold, become spaces). Parameters: none. Column: line.
SELECT replace(replace(text, chr(13), ' '), chr(10), ' ') AS line
FROM documents
ORDER BY document_id;
