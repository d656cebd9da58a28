-- lm_sentence_texts.sql: every distinct corpus sentence with its kind (for token counts).
-- Parameters: none. Columns: kind, text.
SELECT kind, text FROM sentences ORDER BY sentence_id
