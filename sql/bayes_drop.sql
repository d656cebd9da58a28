-- bayes_drop.sql: remove a fit (run inside the transaction of kgedit.bayes.fit before it refits):
-- the views and table macros of views_bayes.sql, then the bayes_* tables (kgedit.bayes.fit.BAYES_TABLES).
-- Parameters: none.
DROP VIEW IF EXISTS subject_beliefs;
DROP VIEW IF EXISTS population_conditionals;
DROP MACRO TABLE IF EXISTS beliefs;
DROP MACRO TABLE IF EXISTS conditionals;
DROP TABLE IF EXISTS bayes_info;
DROP TABLE IF EXISTS bayes_counts;
DROP TABLE IF EXISTS bayes_totals;
DROP TABLE IF EXISTS bayes_shares;
DROP TABLE IF EXISTS bayes_conditional_totals;
DROP TABLE IF EXISTS bayes_conditionals;
DROP TABLE IF EXISTS bayes_column_sums;
DROP TABLE IF EXISTS bayes_pairs;
