"""The rational agent (SPEC §4): Dirichlet–categorical beliefs fitted from the evidence table in SQL.

Public API: fit(con), is_fitted(con), require_fitted(con), direct/target beliefs and edit targets in
kgedit.bayes.beliefs, edit weights n' in kgedit.bayes.edits. pgmpy is imported only by
kgedit.bayes.network.
"""

from kgedit.bayes.fit import BAYES_TABLES, FitSummary, fit, is_fitted, require_fitted

__all__ = ["BAYES_TABLES", "FitSummary", "fit", "is_fitted", "require_fitted"]
