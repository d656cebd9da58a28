-- world_read_lines.sql: read one Wikidata5m-format file (plain or .gz) as raw lines, in file order.
-- Parameters: $path (file to read), $limit (keep the first $limit lines; NULL = all), $compression
-- ('gzip' for a file the importer has verified as gzip, else 'auto': by the file name).
-- Columns of raw_lines: line VARCHAR (NULL for a blank line). rowid + 1 is the 1-based line number,
-- because DuckDB preserves insertion order. Quoting is off: aliases may contain any character; the
-- delimiter is NUL so a whole line lands in one column and tabs are split in SQL (world_import.sql).
CREATE OR REPLACE TEMP TABLE raw_lines AS
SELECT line
FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = chr(0), header = false, quote = '',
              escape = '', auto_detect = false, compression = $compression)
LIMIT $limit;
