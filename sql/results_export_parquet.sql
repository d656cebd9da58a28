-- results_export_parquet.sql: one table of an evaluation's results database as a Parquet file
-- (results/parquet/<table>.parquet). Parameters: $table (a table name), $path (the file to write).
COPY (SELECT * FROM query_table($table)) TO ($path) (FORMAT parquet);
