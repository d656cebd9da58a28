"""cli/ and sql/ work from an installed wheel, outside the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(work / "dist"), str(REPO)], check=True, capture_output=True, timeout=300)
    wheel = next((work / "dist").glob("kgedit-*.whl"))
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return site


def _run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys, kgedit; assert kgedit.__file__.startswith(sys.argv[1]), kgedit.__file__\n"
            "sys.argv = ['kgedit'] + sys.argv[2:]\n"
            "from kgedit._entry import main\nmain()\n")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code, str(site), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_wheel_maps_cli_and_sql_into_the_package(installed_wheel):
    assert (installed_wheel / "kgedit" / "cli" / "app.py").is_file()
    assert (installed_wheel / "kgedit" / "sql" / "world.sql").is_file()


def test_installed_wheel_finds_the_bundled_wikidata_slice(installed_wheel, tmp_path):
    code = ("import sys; from kgedit.world.bundled import bundled_files\n"
            "files = bundled_files(); assert all(str(p).startswith(sys.argv[1]) for p in files.values()), files\n"
            "print(sorted(p.name for p in files.values()))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(installed_wheel)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(installed_wheel), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['entities.tsv.gz', 'relations.tsv.gz', 'triples.tsv.gz']"
    assert (installed_wheel / "kgedit" / "data" / "wikidata" / "PROVENANCE.md").is_file()


def test_installed_wheel_runs_help_outside_checkout(installed_wheel, tmp_path):
    proc = _run_installed(installed_wheel, tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "sql" in proc.stdout


def test_installed_wheel_answers_sql(installed_wheel, tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_world(con, [("educated at", "occupation")], [("Ann", "educated at", "Yale"), ("Ann", "occupation", "lawyer")])
    con.close()
    proc = _run_installed(installed_wheel, tmp_path, "sql", "SELECT count(*) AS n FROM facts", "--db", "w.duckdb", "-f", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["n", "2"]


def test_installed_wheel_ships_the_built_in_experiments(installed_wheel, tmp_path):
    for name in ("default", "paper"):
        assert (installed_wheel / "kgedit" / "experiment" / f"{name}.toml").is_file()
    proc = _run_installed(installed_wheel, tmp_path, "run", "--show", "default")
    assert proc.returncode == 0, proc.stderr
    assert 'preset = "tiny"' in proc.stdout
