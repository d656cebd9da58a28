"""Benchmark cases (SPEC §6): edit requests, probes and their Bayesian targets, as tables.

Public API: generate_cases(con, CasesConfig(...)), kgedit.cases.show.show_case(con, case_id) and the table contract in
sql/cases.sql (cases, case_probes, case_logical_probes, cases_info).
"""

from kgedit.cases.build import CASES_TABLES, CasesConfig, CasesSummary, cases_exist, generate_cases

__all__ = ["CASES_TABLES", "CasesConfig", "CasesSummary", "cases_exist", "generate_cases"]
