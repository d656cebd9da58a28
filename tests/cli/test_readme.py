"""Every `kgedit query` and `kgedit sql` example in the README runs on the default world: the world that
`kgedit run` builds (real Wikidata, the sample of the built-in default experiment)."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.conftest import REPO

runner = CliRunner()


def _readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    lines = [ln.strip() for block in blocks for ln in block.splitlines()]
    return [ln for ln in lines if ln.startswith(("kgedit query ", "kgedit sql "))]


EXAMPLES = _readme_examples()


@pytest.fixture(scope="module")
def default_world(tmp_path_factory):
    """The world, corpus and fit of the built-in default experiment, as `kgedit run` makes them."""
    from kgedit import db
    from kgedit.bayes import fit
    from kgedit.corpus.build import generate_corpus
    from kgedit.experiment.config import corpus_config, load_experiment, world_source
    from kgedit.world.build import build_world

    experiment = load_experiment(None)
    path = tmp_path_factory.mktemp("readme") / "world.duckdb"
    build_world(path, world_source(experiment), overwrite=False)
    con = db.connect(path)
    try:
        generate_corpus(con, corpus_config(experiment))
        fit(con, prior_mass=experiment["bayes"]["prior_mass"])
    finally:
        con.close()
    return path


def test_the_default_world_is_real_wikidata(default_world):
    result = runner.invoke(app, ["world", "info", "--db", str(default_world), "--format", "json"])
    assert '"source": "wikidata"' in result.stdout


def test_readme_has_query_and_sql_examples():
    assert sum(e.startswith("kgedit query") for e in EXAMPLES) >= 5
    assert sum(e.startswith("kgedit sql") for e in EXAMPLES) >= 4


@pytest.mark.parametrize("example", EXAMPLES)
def test_readme_example_runs(default_world, example):
    args = shlex.split(example)[1:] + ["--db", str(default_world), "--format", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()
    assert len(rows) >= 2, f"no rows from {example}: {result.stdout!r}"
