"""`kgedit evaluate` and `kgedit report` through the command line, with the errors a person can hit."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_evaluate_prints_the_tables_and_report_reprints_them(pipeline, tmp_path):
    world, ckpt = pipeline
    out = tmp_path / "results"
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 3, "--set", "steps=2", "--device", "cpu",
                    "--out", out)
    assert result.exit_code == 0, result.output
    for title in ("All edit requests", "downstream answer changes", "Fixing errors"):
        assert title in result.stdout
    assert "3 cases evaluated" in result.stderr
    assert (out / "results.json").is_file() and (out / "results.duckdb").is_file()
    again = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 3, "--set", "steps=2", "--device", "cpu",
                   "--out", out)
    assert again.exit_code == 0 and "3 from an earlier run" in again.stderr
    report = invoke("report", out, "--paper")
    assert report.exit_code == 0, report.output
    assert "paper post" in report.stdout and "1.00" in report.stdout
    assert "CounterFact scores" in report.stdout and "Runtime per edit: mean" in report.stdout
    as_json = json.loads(invoke("report", out, "--format", "json", "--prob", "norm", "--match", "contains").stdout)
    assert [t["split"] for t in as_json["tables"]] == ["all_edit_requests", "downstream_answer_changes", "fixing_errors"]
    assert set(as_json["counterfact"]["post"]) == {"S", "ES", "EM", "PS", "PM", "NS", "NM", "GE"}
    assert as_json["runtime"]["n"] == 3
    assert invoke("report", out, "-f", "csv").stdout.startswith("split,n,row,acc_s1r1")


def test_report_compare_puts_editors_side_by_side(pipeline, tmp_path):
    world, ckpt = pipeline
    runs = {"lora": ["--set", "steps=2"], "ft": ["--set", "steps=2"], "ft_l": ["--set", "steps=3"]}
    for editor, sets in runs.items():
        result = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 2, "--editor", editor, *sets,
                        "--device", "cpu", "--out", tmp_path / editor)
        assert result.exit_code == 0, result.output
    table = invoke("report", "--compare", *(tmp_path / e for e in runs))
    assert table.exit_code == 0, table.output
    for editor in runs:
        assert editor in table.stdout
    rows = json.loads(invoke("report", "--compare", *(tmp_path / e for e in runs), "-f", "json",
                             "--split", "fixing_errors").stdout)
    assert [r["editor"] for r in rows] == list(runs) and rows[2]["params"]["norm_constraint"] > 0
    assert {"S", "acc_s1r1", "sec_p95"} <= set(rows[0]["post"])
    lines = invoke("report", "--compare", tmp_path / "lora", tmp_path / "ft", "-f", "csv").stdout.splitlines()
    assert lines[0].startswith("folder,editor,params,split,n,acc_s1r1") and len(lines) == 3
    one = invoke("report", tmp_path / "lora", tmp_path / "ft")
    assert one.exit_code == 1 and "--compare" in one.stderr
    alone = invoke("report", "--compare", tmp_path / "lora")
    assert alone.exit_code == 1 and "at least two" in alone.stderr
    bad = invoke("report", "--compare", tmp_path / "lora", tmp_path / "ft", "--split", "some")
    assert bad.exit_code == 1 and "--split must be one of" in bad.stderr


@pytest.mark.parametrize("args, message", [
    (["--editor", "lorra"], "Unknown editor 'lorra'"),
    (["--set", "stepz=3"], "no parameter 'stepz'"),
    (["--set", "steps"], "--set expects key=value"),
    (["--cases", "0"], "--cases must be at least 1"),
    (["--match", "fuzzy"], "--match must be one of exact, contains"),
    (["--device", "tpu"], "Unknown device 'tpu'"),
    (["--dtype", "fp8"], "Unknown dtype 'fp8'"),
    (["--parallel-edits", "0"], "--parallel-edits must be at least 1"),
    (["--editor", "rome", "--parallel-edits", "4"], "The rome editor edits one case at a time"),
])
def test_bad_options_are_errors_with_hints(pipeline, tmp_path, args, message):
    world, ckpt = pipeline
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--out", tmp_path / "r", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_missing_things_are_errors_with_hints(pipeline, tmp_path):
    world, ckpt = pipeline
    missing_model = invoke("evaluate", "--model", tmp_path / "nope", "--db", world, "--out", tmp_path / "r")
    assert missing_model.exit_code == 1 and "No model folder at" in missing_model.stderr
    not_ckpt = tmp_path / "empty"
    not_ckpt.mkdir()
    result = invoke("evaluate", "--model", not_ckpt, "--db", world, "--out", tmp_path / "r")
    assert result.exit_code == 1 and "has no config.json" in result.stderr
    missing_db = invoke("evaluate", "--model", ckpt, "--db", tmp_path / "none.duckdb", "--out", tmp_path / "r")
    assert missing_db.exit_code == 1 and "No database at" in missing_db.stderr
    no_results = invoke("report", tmp_path / "nothing")
    assert no_results.exit_code == 1 and "No evaluation results" in no_results.stderr
    assert "Hint: Run one first" in no_results.stderr


def test_sequential_edits_give_a_degradation_curve(pipeline, tmp_path):
    world, ckpt = pipeline
    out = tmp_path / "seq"
    args = ["evaluate", "--model", ckpt, "--db", world, "--editor", "ft", "--set", "steps=3", "--device", "cpu",
            "--out", out, "--sequential"]
    result = invoke(*args, "1,3")
    assert result.exit_code == 0, result.output
    assert "Sequential ft edits without reset" in result.stdout and "3 cumulative edits" in result.stderr
    data = json.loads((out / "sequential.json").read_text())
    assert [p["n_edits"] for p in data["points"]] == [0, 1, 3]
    assert data["points"][0]["edits_retained"] is None and 0 <= data["points"][2]["edits_retained"] <= 1
    assert all(0 <= p["heldout_gen_acc"] <= 1 and 0 <= p["tf_acc"] <= 1 for p in data["points"])
    assert 0 < data["heldout"]["facts"] <= 500 and data["runtime_per_edit"]["n"] == 3
    assert (out / "degradation.png").stat().st_size > 0
    again = invoke(*args, "1,3")                       # finished: printed again, not recomputed
    assert again.exit_code == 0 and again.stdout == result.stdout
    report = invoke("report", out, "-f", "csv")
    assert report.exit_code == 0 and report.stdout.startswith("n_edits,heldout_gen_acc")
    other = invoke(*args, "1,2")
    assert other.exit_code == 1 and "another configuration" in other.stderr


@pytest.mark.parametrize("counts, message", [("1,x", "comma-separated edit counts"), ("10,5", "increasing"),
                                             ("0,4", "at least 1"), ("1,99", "needs 99 cases")])
def test_bad_sequential_counts_are_errors(pipeline, tmp_path, counts, message):
    world, ckpt = pipeline
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--out", tmp_path / "s", "--sequential", counts)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def _copy_checkpoint(ckpt, folder):
    import shutil

    return shutil.copytree(ckpt, folder / "damaged")


def _set_config(path, **changes):
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, **changes}))


@pytest.mark.parametrize("damage, message", [
    (lambda c: (c / "model.safetensors").write_bytes((c / "model.safetensors").read_bytes()[:-64]),
     "could not be loaded (model.safetensors or config.json is damaged)"),
    (lambda c: (c / "model.safetensors").write_bytes(b"garbage" * 100), "could not be loaded"),
    (lambda c: (c / "model.safetensors").unlink(), "has no weights (model.safetensors)"),
    (lambda c: (c / "config.json").write_text("{not json"), "config.json is not a valid JSON config"),
    (lambda c: (c / "config.json").write_bytes(b"\xff\xfe{"), "config.json is not a valid JSON config"),
    (lambda c: _set_config(c / "config.json", model_type="gpt2", architectures=["GPT2LMHeadModel"]),
     "model.safetensors does not match config.json"),      # a supported family, not these weights
    (lambda c: _set_config(c / "config.json", hidden_size=64), "model.safetensors does not match config.json"),
    (lambda c: (c / "tokenizer.json").write_text("{}"), "tokenizer.json could not be read"),
    (lambda c: (c / "kgedit.json").write_text("[]"), "kgedit.json is not a valid kgedit checkpoint config"),
])
def test_a_damaged_checkpoint_is_an_error_and_writes_no_results(pipeline, tmp_path, damage, message):
    world, ckpt = pipeline
    damaged = _copy_checkpoint(ckpt, tmp_path)
    damage(damaged)
    result = invoke("evaluate", "--model", damaged, "--db", world, "--cases", 2, "--device", "cpu",
                    "--out", tmp_path / "r")
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Hint:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, message", [
    (["--set", "lr=nan"], "lora parameter lr must be a finite number (got nan)"),
    (["--set", "steps=-5"], "lora parameter steps must be at least 1 (got -5)"),
    (["--set", "rank=0"], "lora parameter rank must be at least 1 (got 0)"),
    (["--set", "alpha=inf"], "lora parameter alpha must be a finite number"),
    (["--set", "target_modules=attention"], "no linear module named attention"),
    (["--editor", "ft", "--set", "layer=5"], "out of range: the model has 1 layers"),
    (["--editor", "bayes", "--set", "tf_weight=-1"], "bayes parameter tf_weight must be at least 0"),
    (["--seed", "-1"], "--seed must be in [0, 9223372036854775807]"),
    (["--seed", "99999999999999999999"], "--seed must be in"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--set", "lr=nan", "--sequential", "1,2"], "lora parameter lr must be a finite number"),
])
def test_bad_numbers_are_refused_before_any_results_are_written(pipeline, tmp_path, args, message):
    world, ckpt = pipeline
    result = invoke("evaluate", "--model", ckpt, "--db", world, "--cases", 2, "--device", "cpu",
                    "--out", tmp_path / "r", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Hint:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()
