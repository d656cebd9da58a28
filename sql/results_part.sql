-- results_part.sql: schema of one torchrun rank's part of an evaluation (results/parts/rank-R.duckdb): the
-- rows that rank measured, merged into results.duckdb by rank 0 after every rank finished
-- (kgedit.evaluate.parts), or by the next run of the same evaluation when this one was interrupted.

CREATE TABLE part_info (
    fingerprint VARCHAR NOT NULL,
    rank        INTEGER NOT NULL,
    world_size  INTEGER NOT NULL
);
COMMENT ON TABLE part_info IS 'One row: the evaluation this part belongs to (eval_info.fingerprint) and the rank that wrote it.';
COMMENT ON COLUMN part_info.fingerprint IS 'eval_info.fingerprint of the results database the part merges into.';
COMMENT ON COLUMN part_info.rank IS 'The torchrun rank (RANK) that wrote the part.';
COMMENT ON COLUMN part_info.world_size IS 'The number of ranks (WORLD_SIZE) of the run that wrote the part.';

-- include: results_measurements.sql
