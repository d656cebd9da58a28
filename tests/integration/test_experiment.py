"""kgedit run: an experiment file drives every stage; unchanged stages are skipped, a changed one reruns
with what depends on it; bad files are clear errors."""

from __future__ import annotations

import json
import os
import re

import pytest

from kgedit.errors import KgeditError
from kgedit.experiment.config import load_experiment, parse, train_config
from kgedit.experiment.runner import STATE_FILE, plan, run_experiment
from tests.eval_world import answer_world

MICRO = """
[experiment]
name = "micro"
out = "{out}"
device = "cpu"
[world]
source = "synthetic"
subjects = 120
seed = 3
[cases]
n = {n}
[lm]
preset = "tiny"
tokens = 20000
[evaluate]
cases = 5
editors = ["lora", "bayes"]
[evaluate.params.lora]
steps = 2
[evaluate.params.bayes]
steps = 2
"""


def test_run_builds_everything_then_skips_what_did_not_change(tmp_path):
    out = tmp_path / "exp"
    exp = parse(MICRO.format(out=out, n=10), "micro.toml")
    summary = run_experiment(exp)
    assert summary.ran == ["world", "corpus", "bayes", "cases", "lm", "evaluate:lora", "evaluate:bayes"]
    for name in ("report.md", "report.html", "training_curves.png", "editors.png"):
        assert (out / "report" / name).stat().st_size > 0
    assert list((out / "report").glob("case_*.png"))
    md = (out / "report" / "report.md").read_text()
    assert "Editor: lora" in md and "Editor: bayes" in md and "paper post" in md
    assert "CounterFact scores after the edit" in md and "| s/edit mean |" in md
    for editor in ("lora", "bayes"):
        assert json.loads((out / "results" / editor / "results.json").read_text())["n_done"] == 5
    recorded = json.loads((out / STATE_FILE).read_text())["outputs"]
    assert {"world.duckdb", "ckpt", "lm.key", "results", "report"} <= set(recorded)
    again = run_experiment(exp)
    assert again.ran == [] and len(again.skipped) == 7
    weights = (out / "ckpt" / "model.safetensors").stat().st_mtime_ns
    more_cases = parse(MICRO.format(out=out, n=12), "micro.toml")
    assert [s for s, runs in plan(more_cases) if runs] == ["cases", "evaluate:lora", "evaluate:bayes", "report"]
    third = run_experiment(more_cases)
    assert third.ran == ["cases", "evaluate:lora", "evaluate:bayes"]
    assert (out / "ckpt" / "model.safetensors").stat().st_mtime_ns == weights   # the LM was not retrained
    assert not (out / "trace").exists() and "trace" not in json.loads((out / STATE_FILE).read_text())["config"]
    # The optional [trace] stage (on a world the model answers some facts of: causal tracing traces only those)
    answer_world(out / "world.duckdb", out / "ckpt")
    traced = run_experiment(parse(MICRO.format(out=out, n=12) + "[trace]\nfacts = 20\nsamples = 2\n", "micro.toml"))
    assert traced.ran == ["trace"] and (out / "trace" / "trace.duckdb").is_file()
    md = (out / "report" / "report.md").read_text()
    assert "Causal tracing (ROME Fig. 1)" in md and "(trace_average.png)" in md
    assert (out / "report" / "trace_average.png").stat().st_size > 0


def test_new_editor_defaults_or_answer_rule_rerun_the_evaluation_not_the_rest(tmp_path, monkeypatch):
    """An upgrade that changes an editor's defaults (or how answers are read) reruns that editor's
    evaluation: its results would otherwise be the old defaults' under the new name."""
    import dataclasses

    from kgedit.editors.bayes import BayesEditor
    from kgedit.experiment import runner

    exp = parse(MICRO.format(out=tmp_path / "exp", n=10).replace("[evaluate.params.bayes]\nsteps = 2\n", ""),
                "micro.toml")
    before = runner.stage_keys(exp)
    monkeypatch.setattr(BayesEditor, "Params", dataclasses.make_dataclass(
        "NewDefaults", [("partner_weight", float, dataclasses.field(default=1.0))], bases=(BayesEditor.Params,),
        frozen=True))
    changed = runner.stage_keys(exp)
    assert [k for k in before if before[k] != changed[k]] == ["evaluate:bayes"]
    monkeypatch.setattr(runner, "RULE_VERSION", 99)
    assert [k for k in before if before[k] != runner.stage_keys(exp)[k]] == ["evaluate:lora", "evaluate:bayes"]


def test_built_in_experiments_parse():
    default = load_experiment(None)
    assert default["lm"]["preset"] == "tiny" and default["evaluate"]["editors"] == ["lora", "bayes"]
    paper = load_experiment("paper")
    assert paper["lm"]["preset"] == "mistral-83m" and paper["cases"]["n"] == 5000


@pytest.mark.parametrize("text, message", [
    ("[wrold]\nsubjects = 3", "unknown section [wrold]"),
    ("[world]\nsubjekts = 3", "unknown key 'subjekts'"),
    ("[world]\nsubjects = 'many'", "subjects must be int"),
    ("[world]\nsubjects = 3\n[world]", "not valid TOML"),
    ("[lm]\npreset = 'huge'", "Unknown model preset 'huge'"),
    ("[evaluate]\neditors = ['lorra']", "unknown editor 'lorra'"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.bayes]\nlr = 1", "does not run"),
    ("[world]\nsource = 'wikidata5m'", "[world] source wikidata5m needs [world] triples, [world] entities"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.lora]\nstepz = 3", "no parameter 'stepz'"),
    ("[report]\nmatch = 'fuzzy'", "--match must be one of"),
    ("[cases]\nn = 10\n[evaluate]\ncases = 20", "more than [cases] n"),
    ("[evaluate]\neditors = ['lora', 'rome']\nparallel_edits = 8", "does not apply to rome"),
    ("[evaluate]\nparallel_edits = 0", "parallel_edits must be at least 1"),
])
def test_bad_experiment_files_are_clear_errors(text, message):
    with pytest.raises(KgeditError) as err:
        parse(text, "x.toml")
    assert message in str(err.value)


def test_lm_init_names_the_model_folder_pretraining_continues(family_model):
    _, folder = family_model("gpt2")
    assert train_config(parse(f"[lm]\ninit = '{folder}'", "x.toml")).init == str(folder)


def test_missing_experiment_file_is_a_clear_error(tmp_path):
    with pytest.raises(KgeditError, match="experiment file .* does not exist"):
        load_experiment(str(tmp_path / "none.toml"))


# One bad value per row: `kgedit run --plan` must refuse it (Error:/Hint:, naming the key) before any
# stage runs, and create nothing. Each section has at least one row.
BAD_VALUES = [
    ("[experiment]\ndevice = 'tpu'", "[experiment] device"),
    ("[experiment]\nname = 3", "[experiment] name must be str"),
    ("[world]\nsubjects = 0", "[world] subjects"),
    ("[world]\nrelations = 'papr'", "[world] relations 'papr' is not a preset"),
    ("[world]\nrelations = ''", "[world] relations is empty"),
    ("[world]\nsubjects = 1", "[world] subjects"),
    ("[world]\nsubjects = 2.5", "[world] subjects must be int"),
    ("[world]\nseed = -1", "[world] seed"),
    ("[world]\nseed = 18446744073709551616", "[world] seed"),
    ("[world]\nsource = 'wikidata5m'\ntriples = 't'\nentities = 'e'\nrelations_file = 'r'\nn_relations = 3",
     "[world] n_relations"),
    ("[world]\nsource = 'wikidata5m'\ntriples = 't'\nentities = 'e'\nrelations_file = 'r'\nread_n_facts = 0",
     "[world] read_n_facts"),
    ("[world]\nsource = 'wikidata5m'\ntriples = 't'\nentities = 'e'\nrelations_file = 'r'\ndirection = 'up'",
     "[world] direction"),
    ("[world]\nsource = 'freebase'", "Unknown --source 'freebase'"),
    ("[world]\nsource = 'synthetic'\nrelations = 'paper'", "[world] relations only applies to the Wikidata sources"),
    ("[world]\nentities = 'e'", "[world] entities only apply to [world] source wikidata5m"),
    ("[corpus]\nfacts = 0", "[corpus] facts"),
    ("[corpus]\nseed = -1", "[corpus] seed"),
    ("[corpus]\ndoc_resamples = 0", "[corpus] doc_resamples"),
    ("[corpus]\nmax_sentences_per_doc = -3", "[corpus] max_sentences_per_doc"),
    ("[corpus]\nmin_true_prob = nan", "[corpus] min_true_prob"),
    ("[corpus]\nmin_true_prob = 0.5", "[corpus] min_true_prob"),
    ("[bayes]\nprior_mass = inf", "[bayes] prior_mass"),
    ("[bayes]\nprior_mass = 0", "[bayes] prior_mass"),
    ("[cases]\nn = 0", "[cases] n"),
    ("[cases]\nseed = 9223372036854775808", "[cases] seed"),
    ("[cases]\nweight = inf", "[cases] weight"),
    ("[cases]\nweight = 0.5", "[cases] weight"),
    ("[cases]\nweight = 1" + "0" * 400, "[cases] weight must be a finite number"),
    ("[cases]\ntarget = nan", "[cases] target"),
    ("[cases]\ntarget = 1", "[cases] target"),
    ("[lm]\ntokens = 0", "[lm] tokens"),
    ("[lm]\ntokens = -5", "[lm] tokens"),
    ("[lm]\nseed = -1", "[lm] seed"),
    ("[lm]\nvocab_size = 0", "[lm] vocab_size"),
    ("[lm]\npreset = 'huge'", "Unknown model preset 'huge'"),
    ("[evaluate]\nbatch_size = 0", "[evaluate] batch_size"),
    ("[evaluate]\ncases = 0", "[evaluate] cases"),
    ("[evaluate]\nseed = -1", "[evaluate] seed"),
    ("[evaluate]\nparallel_edits = 0", "[evaluate] parallel_edits"),
    ("[lm]\ninit = ''", "[lm] init"),
    ("[lm]\ninit = 'no/such/model'", "No model folder at no/such/model"),
    ("[evaluate]\neditors = []", "[evaluate] editors"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.lora]\nlr = nan", "[evaluate.params.lora]"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.lora]\nlr = inf", "[evaluate.params.lora]"),
    ("[evaluate]\neditors = ['lora']\n[evaluate.params.lora]\nstepz = 3", "[evaluate.params.lora]"),
    ("[trace]\nkind = 'mpl'", "[trace] kind 'mpl' is not a kind"),
    ("[trace]\nsamples = 0", "[trace] samples"),
    ("[trace]\ncases = 3\nfacts = 3", "[trace] cases and [trace] facts both choose"),
    ("[report]\nmatch = 'fuzzy'", "[report] --match"),
    ("[report]\ncase = -1", "[report] case"),
    ("[report]\ncase = 5000", "[report] case"),
    ("[world]\nsubjekts = 3", "unknown key 'subjekts' in [world]"),
    ("[wrold]\nsubjects = 3", "unknown section [wrold]"),
    ("world = 3", "world must be a section"),
]


@pytest.mark.parametrize("text, key", BAD_VALUES, ids=[t.replace("\n", " ") for t, _ in BAD_VALUES])
def test_plan_refuses_every_bad_value_and_creates_nothing(tmp_path, monkeypatch, text, key):
    from typer.testing import CliRunner

    from cli.app import app

    monkeypatch.chdir(tmp_path)
    out = "out = 'exp'\n"
    with_out = text.replace("[experiment]\n", "[experiment]\n" + out) if "[experiment]" in text else \
        f"{text}\n[experiment]\n{out}"
    (tmp_path / "bad.toml").write_text(with_out, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "bad.toml", "--plan"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: bad.toml: ") and "\nHint: " in result.stderr, result.stderr
    assert key in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_every_stage_config_is_checked_before_the_first_stage(tmp_path):
    """A bad evaluate value fails `kgedit run` at the start, not after the world, corpus and pretraining."""
    bad = MICRO.format(out=tmp_path / "exp", n=20).replace("cases = 5", "cases = 5\nbatch_size = 0")
    with pytest.raises(KgeditError, match=r"\[evaluate\] batch_size must be at least 1"):
        run_experiment(parse(bad, "x.toml"))
    assert not (tmp_path / "exp").exists()


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe[world]\n", "is not UTF-8"),
    (b"[world]\nsubjects = \xe9\n", "is not UTF-8"),
    (b"", "is empty"),
    (b"  \n\n", "is empty"),
    (b"[world\nsubjects = 3\n", "is not valid TOML"),
])
def test_unreadable_experiment_files_are_errors_naming_the_file(tmp_path, content, message):
    path = tmp_path / "exp.toml"
    path.write_bytes(content)
    with pytest.raises(KgeditError) as err:
        load_experiment(str(path))
    assert str(path) in err.value.message and message in err.value.message and err.value.hint




def test_experiment_file_that_is_a_directory_or_fifo_says_so(tmp_path):
    with pytest.raises(KgeditError, match="is a directory"):
        load_experiment(str(tmp_path))
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(KgeditError, match="is a FIFO"):  # and does not block reading it
        load_experiment(str(tmp_path / "pipe.toml"))


def users_folder(tmp_path):
    """A folder with a user's own world.duckdb and ckpt/ (no experiment.json recording them)."""
    folder = tmp_path / "mine"
    (folder / "ckpt").mkdir(parents=True)
    (folder / "ckpt" / "model.safetensors").write_bytes(b"my weights")
    (folder / "world.duckdb").write_bytes(b"my world")
    return folder


def assert_untouched(folder):
    assert (folder / "world.duckdb").read_bytes() == b"my world"
    assert (folder / "ckpt" / "model.safetensors").read_bytes() == b"my weights"
    assert sorted(p.name for p in folder.iterdir()) == ["ckpt", "world.duckdb"]


@pytest.mark.parametrize("out", ["folder", "."])
def test_a_run_refuses_to_replace_a_users_files(tmp_path, monkeypatch, out):
    folder = users_folder(tmp_path)
    monkeypatch.chdir(folder)
    exp = parse(MICRO.format(out=folder if out == "folder" else out, n=10), "micro.toml")
    for attempt in (plan, run_experiment):
        with pytest.raises(KgeditError, match="already holds world.duckdb, ckpt, not written by kgedit run") as err:
            attempt(exp)
        assert "--overwrite" in err.value.hint
    assert_untouched(folder)
    assert [stage for stage, runs in plan(exp, overwrite=True) if runs][0] == "world"


def test_a_run_refuses_a_foreign_state_file_and_accepts_a_record_from_before_outputs_were_listed(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    exp = parse(MICRO.format(out=folder, n=10), "micro.toml")
    (folder / STATE_FILE).write_text('{"my": "notes"}')
    (folder / "report").mkdir()
    with pytest.raises(KgeditError, match=f"already holds {STATE_FILE}, report"):
        plan(exp)
    (folder / STATE_FILE).write_text(json.dumps({"experiment": "micro.toml", "stages": {"world": "0"}}))
    assert plan(exp)[-1] == ("report", True)


@pytest.mark.parametrize("out, message", [
    ("", "[experiment] out (or --out) is empty"),
    ("{tmp}/file", "is a file, not a folder"),
    ("{tmp}/file/below", "is a file, not a folder"),
])
def test_unusable_experiment_folders_are_clear_errors(tmp_path, out, message):
    (tmp_path / "file").write_text("the user's file")
    exp = parse(MICRO.format(out=out.format(tmp=tmp_path), n=10), "micro.toml")
    for attempt in (plan, run_experiment):
        with pytest.raises(KgeditError, match=re.escape(message)):
            attempt(exp)
    assert (tmp_path / "file").read_text() == "the user's file"


def test_world_section_names_the_bundled_wikidata_sample():
    from kgedit.experiment.config import world_source

    exp = parse('[world]\nsource = "wikidata"\nsubjects = 300\nseed = 4\n', "w.toml")
    source = world_source(exp)
    assert (source.bundled, source.subjects, source.seed) == (True, 300, 4)
    assert world_source(parse('[world]\nsource = "wikidata"\n', "w.toml")).subjects is None   # all subjects
    assert world_source(parse('[world]\nsource = "synthetic"\n', "w.toml")).subjects == 1000
    with pytest.raises(KgeditError, match=r"\[world\] subjects must be at least 2"):
        parse('[world]\nsource = "wikidata"\nsubjects = 1\n', "w.toml")


def test_world_section_defaults_to_the_bundled_slice_with_the_papers_relations():
    from kgedit.experiment.config import world_source
    from kgedit.world.choice import PAPER_RELATIONS

    source = world_source(parse("", "w.toml"))
    assert source.bundled and list(source.relation_ids) == list(PAPER_RELATIONS)
    greedy = world_source(parse('[world]\nrelations = "greedy"\nn_relations = 6\n', "w.toml"))
    assert (greedy.relation_ids, greedy.n_relations) == (None, 6)
    with pytest.raises(KgeditError, match=r"\[world\] n_relations only applies to the greedy choice, not to "
                                          r"\[world\] relations paper \(the default of source wikidata\)"):
        parse("[world]\nn_relations = 6\n", "w.toml")


def test_command_line_and_experiment_file_share_their_defaults():
    """Options and keys are both made from the stage configs' fields: the same name has the same default."""
    import typer

    from cli.app import app
    from kgedit.experiment.config import SCHEMA

    root = typer.main.get_command(app)
    commands = {("world", "build"): "world", ("corpus", "generate"): "corpus", ("bayes", "fit"): "bayes",
                ("cases", "generate"): "cases", ("train",): "lm", ("evaluate",): "evaluate", ("report",): "report",
                ("trace",): "trace"}
    for path, section in commands.items():
        command = root
        for name in path:
            command = command.commands[name]
        defaults = {param.name: param.default for param in command.params}
        shared = set(defaults) & set(SCHEMA[section])
        assert shared, path
        assert {key: defaults[key] for key in shared} == {key: SCHEMA[section][key][1] for key in shared}, path
