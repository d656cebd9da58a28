"""`kgedit tune`: search an editor's parameters on one set of cases and report the chosen setting on
held-out cases whose edited subjects the search never saw (kgedit.tune.run)."""
