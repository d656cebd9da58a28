"""torchrun on the CPU (gloo, two processes) on the micro pipeline: a failing rank stops every rank (its
error printed once), and the sharded rerun resumes to the rows of one process, row for row; data-parallel
pretraining equals one process with the same global batch. (Few launches: each costs seconds of imports.)"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kgedit.evaluate.config import EvalConfig
from kgedit.evaluate.parts import PARTS
from kgedit.evaluate.run import evaluate
from tests.conftest import REPO
from tests.eval_world import N_CASES, result_rows

pytestmark = pytest.mark.slow
LIMIT = 300          # seconds: no launch may hang the suite
EDIT_SETS = ("--set", "steps=3", "--set", "lr=1e-2", "--parallel-edits", "2", "--device", "cpu")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    return env | {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "KGEDIT_DIST_TIMEOUT": "60",
                  "HF_HUB_OFFLINE": "1"} | extra


def torchrun(*args, cwd: Path) -> subprocess.CompletedProcess:
    """`torchrun --standalone --nproc-per-node 2 -m kgedit ARGS` (the rendezvous port is chosen free)."""
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                           "-m", "kgedit", *map(str, args)], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=LIMIT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def one_process(pipeline, tmp_path_factory) -> dict[str, list[tuple]]:
    """The rows of the single-process evaluation the sharded runs must reproduce."""
    world, ckpt = pipeline
    out = tmp_path_factory.mktemp("one_process") / "results"
    evaluate(EvalConfig(model=str(ckpt), world_db=str(world), editor_params={"steps": "3", "lr": "1e-2"},
                        device="cpu", parallel_edits=2), out)
    return result_rows(out)


def assert_same_rows(rows: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    """Row for row: the same keys and generations, probabilities within 1e-5."""
    assert rows["generations"] == expected["generations"]
    assert len(expected["edits"]) == N_CASES and [r[0] for r in rows["edits"]] == [r[0] for r in expected["edits"]]
    for table in ("probe_scores", "logical_scores", "edits"):
        assert len(rows[table]) == len(expected[table]) > 0
        for got, want in zip(rows[table], expected[table]):
            assert [v for v in got if isinstance(v, str)] == [v for v in want if isinstance(v, str)]
            assert [v for v in got if isinstance(v, float)] == pytest.approx(
                [v for v in want if isinstance(v, float)], abs=1e-5)


def test_a_failing_rank_stops_every_rank_and_the_rerun_equals_one_process_row_for_row(pipeline, one_process,
                                                                                      tmp_path):
    # Both runs are sharded (two ranks): the cases the first finished, the rest by the rerun, which merges
    # the first run's parts before it shards what is missing. Together: the single-process rows.
    world, ckpt = pipeline
    out = tmp_path / "results"
    args = ["evaluate", "--model", str(ckpt), "--db", str(world), "--out", str(out), *EDIT_SETS]
    port = str(_free_port())
    # Launched as srun launches: one process per rank with torchrun's variables, no agent to stop the others.
    ranks = [subprocess.Popen([sys.executable, str(REPO / "tests" / "failing_rank.py"), *args], cwd=tmp_path,
                              env=_env(RANK=str(r), LOCAL_RANK=str(r), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
                                       MASTER_PORT=port, FAIL_RANK="1", FAIL_AT="3"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in (0, 1)]
    outputs = [p.communicate(timeout=LIMIT) for p in ranks]
    assert [p.returncode for p in ranks] == [1, 1], outputs
    text = "".join(o + e for o, e in outputs)
    assert text.count("injected failure of rank 1.") == 1 and "Traceback" not in text
    assert "Error: Rank 1 of 2 stopped while editing its cases" in outputs[0][1]
    assert sorted(p.name for p in (out / PARTS).iterdir() if p.suffix == ".duckdb") == ["rank-0.duckdb", "rank-1.duckdb"]

    rerun = torchrun(*args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{N_CASES} cases evaluated, 12 from an earlier run" in rerun.stderr   # rank 0's 8, rank 1's first 4
    assert rerun.stdout.count("All edit requests") == 1          # rank 0 alone prints the tables
    assert_same_rows(result_rows(out), one_process)
    assert not (out / PARTS).exists() and (out / "results.json").is_file()


def test_two_rank_data_parallel_training_equals_one_process(pipeline, tmp_path):
    from kgedit.lm.model_folder import load_model
    from kgedit.lm.config import TrainConfig
    from kgedit.lm.curves import read_log
    from kgedit.lm.presets import get_preset
    from kgedit.lm.train import train

    world, ckpt = pipeline
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:            # the same tokenizer for both: only the training differs
        out.mkdir()
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy2(ckpt / name, out / name)
    tokens = 4 * 8 * 128        # four steps of the tiny preset's global batch (8 blocks of 128 tokens)
    train(world, outs[0], TrainConfig(preset=get_preset("tiny"), tokens=tokens, device="cpu"))
    run = torchrun("train", "--db", world, "--out", outs[1], "--preset", "tiny", "--tokens", tokens, "--device", "cpu",
                   cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("total_steps") == 1
    one, two = (load_model(out).state_dict() for out in outs)
    assert max(float((one[k] - two[k]).abs().max()) for k in one) < 1e-5
    logs = [read_log(out) for out in outs]
    assert [r["step"] for r in logs[1]] == [r["step"] for r in logs[0]] == [4]
    assert logs[1][0]["loss"] == pytest.approx(logs[0][0]["loss"], abs=1e-5)
    assert not (outs[1] / ".saving").exists()
