"""Experiment files: TOML with one section per stage, checked against a schema (unknown keys get a
"did you mean", wrong types name the key and the file). Built-in experiments: `default`, `paper`.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kgedit import checks
from kgedit.errors import KgeditError

BUILT_IN = ("default", "paper")

# section -> key -> (type, default). None as default: not set (the stage's own default applies).
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "experiment": {"name": (str, "experiment"), "out": (str, "experiment"), "device": (str, "auto")},
    "world": {"source": (str, "synthetic"), "subjects": (int, 1000), "seed": (int, 0), "triples": (str, None),
              "entities": (str, None), "relations_file": (str, None), "read_n_facts": (int, 2_000_000),
              "n_relations": (int, 10), "relations": (str, None), "direction": (str, "paper")},
    "corpus": {"facts": (int, None), "seed": (int, 0), "doc_resamples": (int, 5), "max_sentences_per_doc": (int, 10),
               "min_true_prob": ((float, int), 0.6)},
    "bayes": {"prior_mass": ((float, int), 1.0)},
    "cases": {"n": (int, 5000), "seed": (int, 0), "target": ((float, int), 0.95), "weight": ((float, int), 1000.0)},
    "lm": {"preset": (str, "tiny"), "tokens": (int, None), "seed": (int, 0), "vocab_size": (int, None)},
    "evaluate": {"cases": (int, None), "editors": (list, ["lora"]), "seed": (int, 0), "batch_size": (int, 64),
                 "parallel_edits": (int, None), "params": (dict, {})},
    "report": {"match": (str, "exact"), "prob": (str, "raw"), "weight": (str, "n_prime"), "case": (int, None)},
}


@dataclass(frozen=True)
class Experiment:
    source: str                       # file path or built-in name, for messages
    sections: dict[str, dict[str, Any]]

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.sections[section]

    @property
    def out(self) -> Path:
        return Path(self.sections["experiment"]["out"])

    def with_out(self, out: Path | None) -> Experiment:
        if out is None:
            return self
        sections = {k: dict(v) for k, v in self.sections.items()}
        sections["experiment"]["out"] = str(out)
        return Experiment(self.source, sections)


def built_in_text(name: str) -> str:
    return resources.files("kgedit.experiment").joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load_experiment(spec: str | None) -> Experiment:
    """A path to a TOML file, or a built-in name (default when None)."""
    spec = spec or "default"
    if spec in BUILT_IN and not Path(spec).is_file():
        return parse(built_in_text(spec), f"built-in experiment {spec!r}")
    path = checks.input_file("The experiment file", spec,
                             f"Give a TOML file, or a built-in experiment ({', '.join(BUILT_IN)}); "
                             "`kgedit run --show default` prints one to start from.")
    return parse(path.read_text(encoding="utf-8"), str(path))


def parse(text: str, source: str) -> Experiment:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KgeditError(f"{source} is not valid TOML: {exc}.", "Check the line it names.") from None
    sections: dict[str, dict[str, Any]] = {}
    for name in raw:
        if name not in SCHEMA:
            raise KgeditError(f"{source}: unknown section [{name}].", _did_you_mean(name, SCHEMA, "Sections"))
        if not isinstance(raw[name], dict):
            raise KgeditError(f"{source}: {name} must be a section ([{name}]), not a value.")
    for name, keys in SCHEMA.items():
        given = raw.get(name, {})
        section = {}
        for key, value in given.items():
            if key not in keys:
                raise KgeditError(f"{source}: unknown key {key!r} in [{name}].", _did_you_mean(key, keys, "Keys"))
            kind = keys[key][0]
            if isinstance(value, bool) or not isinstance(value, kind):
                expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
                raise KgeditError(f"{source}: [{name}] {key} must be {expected}, got {value!r}.")
            section[key] = float(value) if kind == (float, int) else value
        for key, (_, default) in keys.items():
            section.setdefault(key, default)
        sections[name] = section
    _check(sections, source)
    return Experiment(source, sections)


def _did_you_mean(word: str, choices, what: str) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return (f"Did you mean {close[0]!r}? " if close else "") + f"{what}: " + ", ".join(choices)


def _check(s: dict[str, dict[str, Any]], source: str) -> None:
    from kgedit.editors import check_params, editor_names
    from kgedit.evaluate.tables import check_options
    from kgedit.lm.presets import get_preset
    from kgedit.world.build import check_source

    check_source(s["world"]["source"])
    if s["world"]["source"] == "wikidata5m":
        for key in ("triples", "entities", "relations_file"):
            if not s["world"][key]:
                raise KgeditError(f"{source}: [world] {key} is needed for source = \"wikidata5m\".",
                                  "Give the path of the Wikidata5m file (see README).")
    get_preset(s["lm"]["preset"])
    editors = s["evaluate"]["editors"]
    if not editors or not all(isinstance(e, str) for e in editors):
        raise KgeditError(f"{source}: [evaluate] editors must be a non-empty list of names.")
    for editor in editors:
        if editor not in editor_names():
            raise KgeditError(f"{source}: unknown editor {editor!r} in [evaluate] editors.",
                              _did_you_mean(editor, editor_names(), "Editors"))
    for editor, params in s["evaluate"]["params"].items():
        if editor not in editors:
            raise KgeditError(f"{source}: [evaluate.params.{editor}] names an editor the experiment does not run.",
                              "Editors run: " + ", ".join(editors))
        if not isinstance(params, dict):
            raise KgeditError(f"{source}: [evaluate.params.{editor}] must be a table of parameters.")
        try:
            check_params(editor, {k: str(v) for k, v in params.items()})
        except KgeditError as exc:
            raise KgeditError(f"{source}: [evaluate.params.{editor}]: {exc.message}", exc.hint) from None
    if s["evaluate"]["parallel_edits"] is not None:
        from kgedit.editors import editor_parallel

        if s["evaluate"]["parallel_edits"] < 1:
            raise KgeditError(f"{source}: [evaluate] parallel_edits must be at least 1.")
        serial = [e for e in editors if not editor_parallel(e)]
        if s["evaluate"]["parallel_edits"] > 1 and serial:
            raise KgeditError(f"{source}: [evaluate] parallel_edits = {s['evaluate']['parallel_edits']} does not "
                              f"apply to {', '.join(serial)} (one case at a time).",
                              "Leave parallel_edits out: each editor then gets its own default.")
    r = s["report"]
    check_options(r["match"], r["prob"], r["weight"])
    if s["evaluate"]["cases"] is not None and s["evaluate"]["cases"] > s["cases"]["n"]:
        raise KgeditError(f"{source}: [evaluate] cases = {s['evaluate']['cases']} is more than [cases] n = "
                          f"{s['cases']['n']}.", "Evaluate at most as many cases as are generated.")
