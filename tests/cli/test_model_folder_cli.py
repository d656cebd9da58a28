"""`kgedit evaluate --model` on any Hugging Face causal-LM folder: every family's model is evaluated and its
tables written; a folder that is not a supported causal LM is an Error:/Hint: before any work, and no results
folder is left behind."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from cli.app import app
from kgedit.lm import families

runner = CliRunner()


def evaluate(model, world, out, *extra):
    return runner.invoke(app, [str(a) for a in ("evaluate", "--model", model, "--db", world, "--cases", 2, "--set",
                                                 "steps=2", "--device", "cpu", "--out", out, *extra)])


@pytest.mark.parametrize("model_type", sorted(families.FAMILIES))
def test_evaluate_writes_the_tables_for_every_family(family_model, model_type, tmp_path):
    world, folder = family_model(model_type)
    result = evaluate(folder, world, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "All edit requests" in result.stdout and "2 cases evaluated" in result.stderr
    info = json.loads((tmp_path / "out" / "results.json").read_text())
    assert info["config"]["model"]["model_type"] == model_type and info["config"]["model"]["dtype"] == "float32"


def _broken(kind: str, folder, target):
    """A copy of a model folder made unusable in one way."""
    shutil.copytree(folder, target)
    config = json.loads((target / "config.json").read_text())
    if kind == "no config":
        (target / "config.json").unlink()
    elif kind in ("bert", "t5", "mamba"):
        (target / "config.json").write_text(json.dumps({**config, "model_type": kind}))
    elif kind == "no weights":
        (target / "model.safetensors").unlink()
    elif kind == "corrupt weights":
        data = (target / "model.safetensors").read_bytes()
        (target / "model.safetensors").write_bytes(data[: len(data) // 2])
    elif kind == "tokenizer mismatch":
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(target))
        tok.add_tokens([f"extra{i}" for i in range(200)])
        tok.save_pretrained(str(target))
    return target


@pytest.mark.parametrize("kind, message", [
    ("no config", "has no config.json"),
    ("bert", "'bert' model, an encoder or encoder-decoder model"),
    ("t5", "'t5' model, an encoder or encoder-decoder model"),
    ("mamba", "type 'mamba', which kgedit does not support"),
    ("no weights", "has no weights"),
    ("corrupt weights", "could not be loaded"),
    ("tokenizer mismatch", "800 tokens but the model's embedding only 600 rows"),
])
def test_a_folder_that_is_not_a_supported_causal_lm_is_an_error_before_any_work(family_model, tmp_path, kind, message):
    world, folder = family_model("gpt2")
    broken = _broken(kind, folder, tmp_path / "model")
    result = evaluate(broken, world, tmp_path / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in result.stderr and "Hint:" in result.stderr
    if kind in ("bert", "t5", "mamba"):
        assert "gpt_neox" in result.stderr and "--set module=" in result.stderr
    assert not (tmp_path / "out").exists()


def test_train_init_of_a_folder_that_is_not_a_model_is_an_error_before_any_work(family_model, tmp_path):
    world, _ = family_model("gpt2")
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["train", "--db", str(world), "--init", str(tmp_path / "empty"), "--out",
                                 str(tmp_path / "ckpt"), "--device", "cpu"])
    assert result.exit_code == 1 and "has no config.json" in result.stderr and "Hint:" in result.stderr
    assert not (tmp_path / "ckpt").exists()
