-- bayes_info_comments.sql: comments on bayes_info (created by sql/bayes_info.sql with bound values).
-- Parameters: none. Columns: prior_mass, n_objects, alpha, evidence_rows, corpus_fingerprint.
COMMENT ON TABLE bayes_info IS 'One row: the Dirichlet prior of the fitted Bayesian model.';
COMMENT ON COLUMN bayes_info.prior_mass IS 'Total prior mass (SPEC default 1).';
COMMENT ON COLUMN bayes_info.n_objects IS 'K: rows in objects, the support of every belief.';
COMMENT ON COLUMN bayes_info.alpha IS 'alpha_o = prior_mass / K for every object.';
COMMENT ON COLUMN bayes_info.evidence_rows IS 'Rows of evidence the model was fitted from.';
COMMENT ON COLUMN bayes_info.corpus_fingerprint IS 'Hash of corpus_info and the evidence row count at fit time; a query on a fit whose corpus has changed since is refused.';
