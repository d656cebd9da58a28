-- cases_insert_info.sql: the one cases_info row.
-- Parameters: $parameters (JSON text), $seed, $n_eligible, $target, $weight, $fitted, $version.
INSERT INTO cases_info
SELECT CAST($parameters AS JSON), $seed, (SELECT count(*) FROM cases), $n_eligible,
       (SELECT count(*) FROM cases WHERE linked), $target, $weight, $fitted, $version;
