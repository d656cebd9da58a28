"""kgedit.report.columns and kgedit.report.tables: each metric's header and direction written once, and
the notes under the tables taken from there."""

from __future__ import annotations

import math

import pytest

from kgedit.evaluate.compare import COMPARE_COLUMNS
from kgedit.evaluate.counterfact import SCORES
from kgedit.evaluate.tables import ACC_COLUMNS, COH_COLUMNS, COLUMNS, LOGIC_COLUMNS, SplitTable
from kgedit.report.columns import METRICS, arrow, better
from kgedit.report.tables import HEADERS, render_tables


def test_every_reported_column_has_a_metric_with_a_direction_unless_it_is_seconds():
    assert set(COMPARE_COLUMNS) == set(METRICS)
    assert {k for k, m in METRICS.items() if m.higher_is_better is None} == {"sec_mean", "sec_p50", "sec_p95"}
    assert arrow(ACC_COLUMNS) == "↑" and arrow(COH_COLUMNS + LOGIC_COLUMNS) == "↓"
    assert better(SCORES) == "higher is better"
    with pytest.raises(ValueError, match="one direction"):
        arrow(ACC_COLUMNS + COH_COLUMNS)
    with pytest.raises(ValueError, match="one direction"):
        better(["sec_mean"])


def test_tables_show_the_metric_headers_and_a_note_with_their_directions():
    empty = {c: math.nan for c in COLUMNS}
    text = render_tables([SplitTable("all_edit_requests", 0, empty, empty)])
    assert HEADERS == ("s1r1 acc", "s1r2 acc", "s2r1 acc", "s2r2 acc", "s1r1 coh", "s1r2 coh", "s2r1 coh", "s2r2 coh",
                       "TF", "neg", "and", "or")
    assert text.splitlines()[-1] == ("accuracy ↑ (generative, exact match); coherence ↓ (MAE to the Bayesian "
                                     "posterior); TF/neg/and/or ↓ (logical coherence MAE); [low, high]: 95% bootstrap "
                                     "interval (2000 resamples of the split's cases)")
    with_unedited = render_tables([SplitTable("all_edit_requests", 0, empty, empty, {}, empty)])
    assert "│ no edit " in with_unedited and with_unedited.splitlines()[-1].endswith("not the pre row's ground truth)")
    assert [METRICS[c].shown_header for c in SCORES] == ["S %", "ES %", "EM %", "PS %", "PM %", "NS %", "NM %", "GE"]


def test_tune_report_names_the_chosen_trial_and_shows_held_out_intervals():
    from kgedit.report.tables import render_tune

    values = {c: 0.5 for c in COLUMNS}
    table = {"split": "", "n": 40, "pre": values, "post": values,
             "ci95": {row: {c: [0.25, 0.75] for c in COLUMNS} for row in ("pre", "post", "delta")}}
    tables = [dict(table, split=s) for s in ("all_edit_requests", "downstream_answer_changes", "fixing_errors")]
    result = {"config": {"tune_cases": 50}, "seeds": {"tuned": 1, "reported": [2], "editor": 0},
              "goal": {"maximised": ["downstream_answer_changes", "acc_s1r2"], "constraints": ["s1r1 acc >= 0.95"]},
              "trials": [{"number": i, "params": {"lr": 1e-3 * (i + 1)}, "goal": 0.1 * i, "neighbour_drop": 0.0,
                          "feasible": False} for i in range(2)],
              "chosen": {"trial": 1, "params": {"lr": 2e-3}, "feasible": False},
              "held_out": {"2": {"bayes": {"tables": tables}, "lora": {"tables": tables}}}}
    text = render_tune(result)
    assert "chosen: trial 1 (no trial met every constraint: the closest one)" in text
    assert "Held-out cases of seed 2" in text and "[.25,.75]" in text and "bayes post" in text and "lora Δ" in text
    assert text.count("pre-edit") == 2          # once per split: the editors share the unedited model
