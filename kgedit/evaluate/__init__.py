"""Evaluation: pure metrics (metrics.py); orchestration and reports come with the editors."""
