"""`kgedit trace` through the command line: tables, heatmaps and Parquet in --out, the rerun, and the
errors a person can hit (misspelt kind, too wide a window, a world the model knows nothing of, a
folder of their own)."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.eval_world import answer_world

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def answered(pipeline):
    assert answer_world(pipeline.world, pipeline.checkpoint) > 0
    return pipeline


def test_trace_writes_tables_heatmaps_and_the_edit_site(answered, tmp_path):
    world, ckpt = answered
    out = tmp_path / "trace"
    args = ("trace", "--model", ckpt, "--db", world, "--facts", 12, "--samples", 2, "--examples", 1, "--device", "cpu",
            "--out", out)
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "prompts traced" in result.stdout and "average indirect effect: mlp" in result.stdout
    assert "skipped: answered wrong" in result.stderr
    con = duckdb.connect(str(out / "trace.duckdb"), read_only=True)
    n, traced = con.execute("SELECT count(*), count(*) FILTER (correct) FROM trace_prompts").fetchone()
    cells = con.execute("SELECT count(*) FROM trace_cells").fetchone()[0]
    tokens = con.execute("SELECT count(*) FROM trace_tokens").fetchone()[0]
    con.close()
    assert n == 12 and 0 < traced < 12 and cells == 3 * tokens      # one layer, three kinds
    assert len(list(out.glob("trace_example_*.png"))) == 1 and (out / "trace_average.png").is_file()
    assert {p.name for p in (out / "parquet").iterdir()} == {f"{t}.parquet" for t in (
        "trace_info", "trace_prompts", "trace_tokens", "trace_cells", "trace_average")}
    assert len(list((ckpt / "kgedit_stats").glob("trace_*.json"))) == 1
    again = invoke(*args)                                             # the same trace: files redrawn, not retraced
    assert again.exit_code == 0 and again.stdout == result.stdout
    other = invoke(*args[:-2], "--seed", 1, "--out", out)
    assert other.exit_code == 1 and "holds a trace of another configuration" in other.output


def test_trace_refuses_a_folder_of_the_user(answered, tmp_path):
    world, ckpt = answered
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    result = invoke("trace", "--model", ckpt, "--db", world, "--out", mine)
    assert result.exit_code == 1 and "is not empty and holds no trace" in result.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("args, message", [
    (["--kind", "hiden"], "Did you mean 'hidden'"),
    (["--window", "2"], "more layers than the model has (1)"),
    (["--cases", "3", "--facts", "3"], "both choose what is traced"),
    (["--noise", "-1"], "--noise must be"),
])
def test_bad_options_are_errors(answered, tmp_path, args, message):
    world, ckpt = answered
    result = invoke("trace", "--model", ckpt, "--db", world, "--out", tmp_path / "t", *args)
    assert result.exit_code == 1 and "Error:" in result.output and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "t").exists()


def test_a_world_without_correct_answers_is_an_error(copy_pipeline, tmp_path):
    world, ckpt = copy_pipeline(tmp_path)
    result = invoke("trace", "--model", ckpt, "--db", world, "--cases", 4, "--out", tmp_path / "t")
    assert result.exit_code == 1 and "answers none of the 4 traced facts" in result.output
    assert not (tmp_path / "t").exists()
