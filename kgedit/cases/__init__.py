"""Benchmark cases (SPEC §6): edit requests, probes and their Bayesian targets, as tables.

Public API (import from the modules; this package imports nothing so `import kgedit.cases` stays cheap):
  kgedit.cases.build.generate_cases(con, CasesConfig(...)), with kgedit.cases.config.CasesConfig (each
    setting's default, help text and check)
  kgedit.cases.show.show_case(con, case_id)
and the table contract in sql/cases.sql (cases, case_probes, case_logical_probes, cases_info).
"""
