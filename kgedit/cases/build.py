"""`kgedit cases generate`: corpus + fitted Bayesian model in, benchmark cases with targets out (SPEC §6).

Order of work: read the corpus facts as codes, sample every case's structure and random numbers
(kgedit.cases.sampling), ask the Bayesian model for the current downstream answers and conditional
modes, choose the edit requests, score all probes' candidate objects under every case's edit in one
statement (kgedit.cases.targets), then write all four tables in one transaction. The same database
and seed give identical tables.

Decisions (SPEC silent):
* A missing fit is made here (kgedit.bayes.fit, a deterministic function of the evidence), recorded
  in cases_info.fitted_automatically; so is a refit of a fit older than the corpus (same prior mass),
  so targets never come from a stale fit; a missing corpus is an error naming `kgedit corpus generate`.
* The 0.8 rule uses the *fitted Bayesian* conditionals: "differs from the subject's current
  downstream answer" compares the mode of p(o_d | D, u) with the Bayesian modal object of (s1, D)
  before the edit, the same beliefs whose change defines downstream_answer_changes.
* "The Bayesian modal object after the edit" is taken at weight n' (the paper reports n'); the mode
  after n is stored too (role post_mode_n, downstream_answer_changes_n).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from kgedit import __version__, db
from kgedit.cases import probes, targets
from kgedit.cases.config import CasesConfig
from kgedit.cases.sampling import (DOWNSTREAM_CHANGE_PROBABILITY, ConditionalModes, TrainingFacts,
                                   choose_requests, draw_cases)
from kgedit.errors import KgeditError, SchemaError
from kgedit.progress import Progress, Steps

CASES_TABLES = ("cases", "case_probes", "case_logical_probes", "cases_info")
WORLD_TABLES = ("entities", "relations", "relation_pairs", "facts", "objects")
STEPS = 5   # named steps reported to `progress`


@dataclass(frozen=True)
class CasesSummary:
    n_cases: int
    n_eligible_subjects: int
    n_linked: int
    n_downstream_answer_changes: int
    n_reinforcing: int
    fitted_automatically: bool

    def rows(self) -> list[tuple[str, int | bool]]:
        return list(asdict(self).items())


def cases_exist(con: db.Connection) -> bool:
    return any(db.table_exists(con, t) for t in CASES_TABLES)


def generate_cases(con: db.Connection, config: CasesConfig, *, overwrite: bool = False,
                   db_label: str = "world.duckdb", progress: Progress | None = None) -> CasesSummary:
    """Generate the cases tables into the world database open on `con`."""
    config.check()
    db.require_tables(con, WORLD_TABLES, "world", f"kgedit world build --db {db_label}")
    db.require_tables(con, ("corpus_facts", "evidence"), "corpus", f"kgedit corpus generate --db {db_label}")
    if cases_exist(con) and not overwrite:
        raise SchemaError("This database already has benchmark cases.",
                          "Pass --overwrite to replace them (the old ones are kept if generation fails).")
    step = Steps(progress, "generating cases", STEPS)
    from kgedit.bayes.fit import fit, fitted_prior_mass, is_current

    fitted_automatically = not is_current(con)     # no fit yet, or one older than the corpus
    if fitted_automatically:
        step("fitting the Bayesian model (none yet, or older than the corpus)")
        fit(con, prior_mass=fitted_prior_mass(con))
    step("sampling cases")
    facts, names = load_training_facts(con)
    n_relations, n_objects = len(names.relation), len(names.object)
    rng = np.random.default_rng(config.seed)
    draw = draw_cases(facts, n_relations, config.n, rng)
    step("current downstream answers")
    current = _current_answers(con, facts, draw, names, n_relations)
    requested, rule = choose_requests(facts, draw, current, load_conditional_modes(con), n_objects)
    step("Bayesian targets")
    keys = probes.case_keys(facts, draw, requested, names, n_relations)
    edits = probes.edits_table(facts, draw, requested, names)
    scored = targets.score_with_edits(con, keys, edits, target=config.target, weight=config.weight)
    mode_table = targets.modes(con, scored)
    step("writing tables")
    params = asdict(config) | {"downstream_change_probability": DOWNSTREAM_CHANGE_PROBABILITY}
    inputs = {"_cases_in": probes.cases_table(facts, draw, requested, rule, names), "_cases_keys_in": keys,
              "_cases_scored_in": scored, "_cases_modes_in": mode_table}
    with db.transaction(con):
        if overwrite:
            db.execute_script(con, "cases_drop")
        db.execute_script(con, "cases")
        for name, table in inputs.items():
            con.register(name, table)
        try:
            db.execute_script(con, "cases_insert")
        finally:
            for name in inputs:
                con.unregister(name)
        con.execute(db.load_sql("cases_insert_info"), {
            "parameters": json.dumps(params, sort_keys=True), "seed": config.seed,
            "n_eligible": draw.n_eligible_subjects, "target": config.target, "weight": config.weight,
            "fitted": fitted_automatically, "version": __version__})
    step.done()
    (n_linked, n_changes, n_reinforcing), = con.execute(db.load_sql("cases_summary")).fetchall()
    return CasesSummary(config.n, draw.n_eligible_subjects, n_linked, n_changes, n_reinforcing,
                        fitted_automatically)


def load_training_facts(con: db.Connection) -> tuple[TrainingFacts, probes.Names]:
    """Corpus facts as codes, and the code → id lookups."""
    cols = con.execute(db.load_sql("cases_training_facts")).fetchnumpy()
    facts = TrainingFacts(subject=np.asarray(cols["subject"], np.int64),
                          relation=np.asarray(cols["relation"], np.int64),
                          partner=np.asarray(cols["partner"], np.int64), upstream=np.asarray(cols["upstream"], bool),
                          object=np.asarray(cols["object"], np.int64),
                          false_object=np.asarray(cols["false_object"], np.int64))
    if len(facts.subject) == 0:
        raise KgeditError("The corpus has no facts.", "Regenerate it: kgedit corpus generate --overwrite.")
    column = lambda sql: np.array([row[0] for row in con.execute(sql).fetchall()], dtype=object)  # noqa: E731
    names = probes.Names(
        subject=column("SELECT DISTINCT subject_id FROM corpus_facts ORDER BY subject_id"),
        relation=column("SELECT relation_id FROM relations ORDER BY relation_id"),
        object=column("SELECT object_id FROM objects ORDER BY object_idx"))
    return facts, names


def load_conditional_modes(con: db.Connection) -> ConditionalModes:
    cols = con.execute(db.load_sql("cases_conditional_modes")).fetchnumpy()
    return ConditionalModes(upstream=np.asarray(cols["upstream"], np.int64),
                            value=np.asarray(cols["upstream_value"], np.int64),
                            mode=np.asarray(cols["mode"], np.int64))


def _current_answers(con: db.Connection, facts: TrainingFacts, draw, names: probes.Names,
                     n_relations: int) -> np.ndarray:
    """object_idx of the Bayesian pre-edit mode of s1r2 for linked cases; -1 for the others."""
    keys = probes.downstream_keys(facts, draw, names, n_relations)
    current = np.full(len(draw.fact), -1, np.int64)
    if len(keys) == 0:
        return current
    found = targets.modes(con, targets.score_without_edit(con, keys))
    index = {obj: i for i, obj in enumerate(names.object)}
    current[np.asarray(found["key_id"], np.int64)] = [index[o] for o in found["mode_pre_id"].to_pylist()]
    return current
