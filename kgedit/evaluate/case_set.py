"""The evaluated cases as plain arrays: probes, their objects, logical prompts, relation candidates.

Read from a results database's eval_* tables (copied there from the world when an evaluation starts),
so scoring and reporting never need the world database again.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgedit import db

PROBES = ("s1r1", "s1r2", "s2r1", "s2r2")
ROLES = ("ground_truth", "requested", "post_mode", "post_mode_n")
LOGICAL_KINDS = ("tf_a", "not_a", "and_ab", "and_ba", "or_ba", "tf_b")


@dataclass(frozen=True)
class Probe:
    case_id: int
    probe: str
    prompt: str
    relation_id: str
    objects: dict[str, str]          # role -> object_id


@dataclass(frozen=True)
class Case:
    case_id: int
    edit_prompt: str
    requested_object: str            # name: the edit's continuation is " " + this
    probes: tuple[Probe, ...]
    logical: dict[str, str]          # kind -> prompt
    subject_id: str = ""
    relation_id: str = ""
    requested_object_id: str = ""
    subject: str = ""                # s1's name (the edit prompt starts with it)
    other_subject: str = ""          # s2's name

    def edit_request(self):
        from kgedit.editors import EditRequest

        return EditRequest(self.edit_prompt, self.requested_object, self.case_id, self.subject_id,
                           self.relation_id, self.requested_object_id, self.subject)


@dataclass(frozen=True)
class CaseSet:
    cases: dict[int, Case]
    candidates: dict[str, list[str]]   # relation_id -> sorted candidate object ids
    names: dict[str, str]              # object_id -> name

    def select(self, case_ids) -> list[Case]:
        return [self.cases[c] for c in case_ids]


def load_case_set(con: db.Connection) -> CaseSet:
    """From a results database (eval_cases, eval_case_probes, eval_logical_probes, eval_objects, eval_subjects)."""
    _, case_rows = db.fetch(con, db.load_sql("results_case_set"))
    _, probe_rows = db.fetch(con, "SELECT case_id, probe, role, prompt, relation_id, object_id FROM eval_case_probes "
                                  "ORDER BY case_id, probe, role")
    _, logical_rows = db.fetch(con, "SELECT case_id, kind, prompt FROM eval_logical_probes ORDER BY case_id, kind")
    _, name_rows = db.fetch(con, "SELECT object_id, name FROM eval_objects ORDER BY object_id")
    _, cand_rows = db.fetch(con, "SELECT relation_id, object_id FROM eval_candidates ORDER BY relation_id, object_id")
    probes: dict[tuple[int, str], dict] = {}
    for case_id, probe, role, prompt, relation_id, object_id in probe_rows:
        entry = probes.setdefault((case_id, probe), {"prompt": prompt, "relation_id": relation_id, "objects": {}})
        entry["objects"][role] = object_id
    logical: dict[int, dict[str, str]] = {}
    for case_id, kind, prompt in logical_rows:
        logical.setdefault(case_id, {})[kind] = prompt
    cases = {}
    for case_id, edit_prompt, requested, subject_id, relation_id, requested_id, s1, s2 in case_rows:
        case_probes = tuple(Probe(case_id, p, probes[(case_id, p)]["prompt"], probes[(case_id, p)]["relation_id"],
                                  probes[(case_id, p)]["objects"]) for p in PROBES)
        cases[case_id] = Case(case_id, edit_prompt, requested, case_probes, logical[case_id], subject_id,
                              relation_id, requested_id, s1, s2)
    candidates: dict[str, list[str]] = {}
    for relation_id, object_id in cand_rows:
        candidates.setdefault(relation_id, []).append(object_id)
    return CaseSet(cases, candidates, dict(name_rows))
