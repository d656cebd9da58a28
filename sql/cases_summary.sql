-- cases_summary.sql: what kgedit.cases.build reports about the cases it wrote. Parameters: none.
-- Columns: n_linked, n_downstream_changes, n_reinforcing (counts over cases).
SELECT count(*) FILTER (WHERE linked) AS n_linked,
       count(*) FILTER (WHERE downstream_answer_changes) AS n_downstream_changes,
       count(*) FILTER (WHERE reinforces) AS n_reinforcing
FROM cases
