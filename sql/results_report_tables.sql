-- results_report_tables.sql: (re)create report_tables in an evaluation's results database, written when
-- `kgedit evaluate` finishes (kgedit.evaluate.results.finish_results). Parameters: none.
-- Columns: split, n, row, then the Tables 4/5 columns in the order of kgedit.evaluate.tables.COLUMNS.
CREATE OR REPLACE TABLE report_tables (
    split      VARCHAR,
    n          INTEGER,
    row        VARCHAR,
    "acc_s1r1" DOUBLE,
    "acc_s1r2" DOUBLE,
    "acc_s2r1" DOUBLE,
    "acc_s2r2" DOUBLE,
    "coh_s1r1" DOUBLE,
    "coh_s1r2" DOUBLE,
    "coh_s2r1" DOUBLE,
    "coh_s2r2" DOUBLE,
    "tf"       DOUBLE,
    "neg"      DOUBLE,
    "and"      DOUBLE,
    "or"       DOUBLE
);
COMMENT ON TABLE report_tables IS 'Tables 4/5 (exact match, raw p_LM, weight n''''): one row per split and pre/post/delta.';
