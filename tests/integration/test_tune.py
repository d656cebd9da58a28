"""kgedit tune on the micro pipeline: the search starts from the editor's defaults, the reported cases
never edit a subject the search saw, the user's world is not written, and a rerun continues."""

from __future__ import annotations

import hashlib

from kgedit import db
from kgedit.editors.bayes import BayesParams
from kgedit.report.render import to_json
from kgedit.tune import search
from kgedit.tune.config import TuneConfig
from kgedit.tune.run import TRADEOFF_PNG, tune


def _subjects(path, n: int) -> set[str]:
    con = db.connect(path, read_only=True)
    try:
        return {r[0] for r in db.fetch(con, "SELECT subject_id FROM cases WHERE case_id < ?", [n])[1]}
    finally:
        con.close()


def test_tune_reports_on_held_out_subjects_and_continues(pipeline, tmp_path):
    digest = hashlib.sha256(pipeline.world.read_bytes()).hexdigest()
    config = TuneConfig(model=str(pipeline.checkpoint), world_db=str(pipeline.world), cases_seed=1, eval_seeds=(2,),
                        tune_cases=4, eval_cases=5, trials=2)
    result = tune(config, tmp_path / "t")
    assert hashlib.sha256(pipeline.world.read_bytes()).hexdigest() == digest
    assert result["trials"][0]["params"] == search.defaults(BayesParams(), search.SPACES["bayes"])
    assert len(result["trials"]) == 2 and result["seeds"] == {"tuned": 1, "reported": [2], "editor": 0}
    tuned = _subjects(result["case_sets"]["tune_db"], 4)
    held_out_db = result["case_sets"]["eval_dbs"]["2"]
    assert len(tuned) == 4 and len(_subjects(held_out_db, 5)) == 5
    assert not tuned & _subjects(held_out_db, 10**6)
    held = result["held_out"]["2"]
    assert set(held) == {"bayes", "lora"} and held["lora"]["params"] == {"lr": "1e-3"}
    assert held["bayes"]["params"] == {k: str(v) for k, v in result["chosen"]["params"].items()}
    for run in held.values():
        table = next(t for t in run["tables"] if t["split"] == "all_edit_requests")
        low, high = table["ci95"]["post"]["coh_s1r1"]
        assert low <= table["post"]["coh_s1r1"] <= high
    assert (tmp_path / "t" / TRADEOFF_PNG).stat().st_size > 0
    again = tune(config, tmp_path / "t")        # every trial and held-out run is found done
    assert to_json(again["trials"]) == to_json(result["trials"])      # NaN (an empty split) compares in JSON
    assert to_json(again["held_out"]) == to_json(result["held_out"])
