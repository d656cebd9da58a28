"""Evaluation: the edit loop (run.py; sequential.py without resets), the results folder it writes
(results.py), and what is computed from it: pure metrics (metrics.py), Tables 4/5 (tables.py), the
CounterFact scores (counterfact.py). Showing them is kgedit.report's."""
