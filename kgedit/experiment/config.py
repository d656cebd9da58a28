"""Experiment files: TOML with one section per stage, checked against a schema (unknown keys get a
"did you mean", wrong types name the key and the file). Built-in experiments: `default`, `paper`.
"""

from __future__ import annotations

import difflib
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kgedit import checks
from kgedit.bayes.fit import FitConfig
from kgedit.cases.config import CasesConfig
from kgedit.corpus.config import CorpusConfig
from kgedit.errors import KgeditError
from kgedit.evaluate.config import EvalConfig, TableOptions
from kgedit.lm.config import TrainConfig
from kgedit.lm.presets import DEFAULT_PRESET, get_preset
from kgedit.trace.config import TraceConfig
from kgedit.settings import TomlKind, default_of, toml_keys
from kgedit.world.build import WorldOptions, source_config

BUILT_IN = ("default", "paper")
SHOW_HINT = "`kgedit run --show default` prints an experiment file with every section and working values."

# section -> key -> (TOML type, default); None as default: not set (the stage's own default applies).
# Each key is a field of the stage's config (its default and help text are written there, its value is
# checked by the config's check()), except the ones written out here: the experiment's own keys, the
# preset by name and the tokenizer's vocabulary (None: the preset's), the editors and their
# [evaluate.params.<editor>] tables, and the case the report draws.
SCHEMA: dict[str, dict[str, tuple[TomlKind, Any]]] = {
    "experiment": {"name": (str, "experiment"), "out": (str, "experiment"),
                   "device": (str, default_of(TrainConfig, "device"))},
    "world": toml_keys(WorldOptions),
    "corpus": toml_keys(CorpusConfig),
    "bayes": toml_keys(FitConfig),
    "cases": toml_keys(CasesConfig),
    "lm": {"preset": (str, DEFAULT_PRESET), **toml_keys(TrainConfig, ["tokens", "seed", "init"]), "vocab_size": (int, None)},
    "evaluate": {**toml_keys(EvalConfig, ["cases"]), "editors": (list, [default_of(EvalConfig, "editor")]),
                 **toml_keys(EvalConfig, ["seed", "batch_size", "parallel_edits"]), "params": (dict, {})},
    "report": {**toml_keys(TableOptions), "case": (int, None)},
    "trace": toml_keys(TraceConfig, ["cases", "facts", "kind", "samples", "noise", "window", "seed", "examples",
                                     "batch_size"]),
}
# Sections that switch a stage on by being there: absent, the stage does not run and the section is not
# recorded (the experiment's outputs stay what they were before the stage existed).
OPTIONAL = ("trace",)


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
    return parse(_read_file(spec), spec)


def _read_file(spec: str) -> str:
    """The file's text: a regular, readable, non-empty UTF-8 file (else an error saying which it is not)."""
    hint = (f"Give a TOML file, or a built-in experiment ({', '.join(BUILT_IN)}); "
            "`kgedit run --show default` prints one to start from.")
    path = checks.input_file("The experiment file", spec, hint)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KgeditError(f"The experiment file {path} is not UTF-8 (byte {exc.start} cannot be decoded).",
                          "Save the experiment file as UTF-8 text (TOML files are UTF-8).") from None
    except OSError as exc:
        raise KgeditError(f"The experiment file {path} cannot be read: {exc.strerror or exc}.", hint) from None
    if not text.strip():
        raise KgeditError(f"The experiment file {path} is empty.", hint)
    return text


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
            raise KgeditError(f"{source}: {name} must be a section ([{name}]), not a value.", SHOW_HINT)
    for name, keys in SCHEMA.items():
        if name in OPTIONAL and name not in raw:
            continue
        given = raw.get(name, {})
        section = {}
        for key, value in given.items():
            if key not in keys:
                raise KgeditError(f"{source}: unknown key {key!r} in [{name}].", _did_you_mean(key, keys, "Keys"))
            kind = keys[key][0]
            if isinstance(value, bool) or not isinstance(value, kind):
                expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
                default = keys[key][1]
                raise KgeditError(f"{source}: [{name}] {key} must be {expected}, got {value!r}.",
                                  f"The default is {default!r}." if default is not None else
                                  "Leave it out for the stage's default.")
            section[key] = _number(value, f"{source}: [{name}] {key}") if kind == (float, int) else value
        for key, (_, default) in keys.items():
            section.setdefault(key, default)
        sections[name] = section
    exp = Experiment(source, sections)
    _check(sections, source)       # editors and their parameters, named by their [evaluate.params.*] section
    with _named(f"{source}: "):
        _check_stages(exp)
    return exp


def _number(value: float | int, name: str) -> float:
    try:
        return float(value)
    except OverflowError:   # an integer beyond float's range
        raise KgeditError(f"{name} must be a finite number (got an integer of {len(str(value))} digits).",
                          SHOW_HINT) from None


@contextmanager
def _named(prefix: str):
    """A stage's error, prefixed with the file (and section) it came from."""
    try:
        yield
    except KgeditError as exc:
        raise KgeditError(prefix + exc.message, exc.hint or SHOW_HINT) from None


# Each stage's config, built from its section. The runner builds the same objects, and the rules on
# their values live in each config's check(); here they are only called, naming "[section] key".
def world_source(exp: Experiment):
    return source_config(WorldOptions(**exp["world"]), _key_name("world"))


def corpus_config(exp: Experiment) -> CorpusConfig:
    return CorpusConfig(**exp["corpus"])


def cases_config(exp: Experiment) -> CasesConfig:
    return CasesConfig(**exp["cases"])


def train_config(exp: Experiment) -> TrainConfig:
    lm = exp["lm"]
    return TrainConfig(preset=get_preset(lm["preset"]), tokens=lm["tokens"], seed=lm["seed"],
                       device=exp["experiment"]["device"], init=lm["init"])


def eval_config(exp: Experiment, editor: str, world_db: Path, ckpt: Path) -> EvalConfig:
    ev = exp["evaluate"]
    return EvalConfig(model=str(ckpt), world_db=str(world_db), editor=editor,
                      editor_params={k: str(v) for k, v in ev["params"].get(editor, {}).items()},
                      cases=ev["cases"], seed=ev["seed"], device=exp["experiment"]["device"],
                      batch_size=ev["batch_size"], parallel_edits=ev["parallel_edits"])


def trace_config(exp: Experiment, world_db: Path, ckpt: Path) -> TraceConfig:
    return TraceConfig(model=str(ckpt), world_db=str(world_db), device=exp["experiment"]["device"], **exp["trace"])


def _key_name(section: str, **elsewhere: str):
    """How a stage config names its fields here: "[section] key" (or where the experiment keeps it)."""
    return lambda field: elsewhere.get(field, f"[{section}] {field}")


def _check_stages(exp: Experiment) -> None:
    from kgedit.lm.tokenizer import check_vocab_size

    world_source(exp).check(_key_name("world", relation_ids="[world] relations"))
    corpus_config(exp).check(_key_name("corpus"))
    FitConfig(**exp["bayes"]).check(_key_name("bayes"))
    cases_config(exp).check(_key_name("cases"))
    device = {"device": "[experiment] device"}
    train_config(exp).check(_key_name("lm", **device))
    if exp["lm"]["vocab_size"] is not None:
        check_vocab_size(exp["lm"]["vocab_size"], "[lm] vocab_size")
    for editor in _editors(exp):
        eval_config(exp, editor, exp.out / "world.duckdb", exp.out / "ckpt").check(_key_name("evaluate", **device))
    if "trace" in exp.sections:
        trace_config(exp, exp.out / "world.duckdb", exp.out / "ckpt").check(_key_name("trace", **device))


def _editors(exp: Experiment) -> list[str]:
    editors = exp["evaluate"]["editors"]
    if not editors or not all(isinstance(e, str) for e in editors):
        raise KgeditError("[evaluate] editors must be a non-empty list of names.",
                          'For example: editors = ["lora", "bayes"]')
    return editors


def _did_you_mean(word: str, choices, what: str) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return (f"Did you mean {close[0]!r}? " if close else "") + f"{what}: " + ", ".join(choices)


def _check(s: dict[str, dict[str, Any]], source: str) -> None:
    from kgedit.editors import check_params, editor_names
    from kgedit.evaluate.tables import check_options

    editors = s["evaluate"]["editors"]
    for editor in editors:
        if editor not in editor_names():
            raise KgeditError(f"{source}: unknown editor {editor!r} in [evaluate] editors.",
                              _did_you_mean(editor, editor_names(), "Editors"))
    for editor, params in s["evaluate"]["params"].items():
        if editor not in editors:
            raise KgeditError(f"{source}: [evaluate.params.{editor}] names an editor the experiment does not run.",
                              "Editors run: " + ", ".join(editors))
        if not isinstance(params, dict):
            raise KgeditError(f"{source}: [evaluate.params.{editor}] must be a table of parameters.",
                              f"For example:\n[evaluate.params.{editor}]\nsteps = 20")
        with _named(f"{source}: [evaluate.params.{editor}]: "):
            check_params(editor, {k: str(v) for k, v in params.items()})
    if s["evaluate"]["parallel_edits"] is not None:
        from kgedit.editors import editor_parallel

        serial = [e for e in editors if not editor_parallel(e)]
        if s["evaluate"]["parallel_edits"] > 1 and serial:
            raise KgeditError(f"{source}: [evaluate] parallel_edits = {s['evaluate']['parallel_edits']} does not "
                              f"apply to {', '.join(serial)} (one case at a time).",
                              "Leave parallel_edits out: each editor then gets its own default.")
    r = s["report"]
    with _named(f"{source}: [report] "):
        check_options(r["match"], r["prob"], r["weight"])
    if s["evaluate"]["cases"] is not None and s["evaluate"]["cases"] > s["cases"]["n"]:
        raise KgeditError(f"{source}: [evaluate] cases = {s['evaluate']['cases']} is more than [cases] n = "
                          f"{s['cases']['n']}.", "Evaluate at most as many cases as are generated.")
    if r["case"] is not None:
        evaluated = s["evaluate"]["cases"] or s["cases"]["n"]
        with _named(f"{source}: "):
            checks.integer("[report] case", r["case"], low=0, high=evaluated - 1,
                           hint="A case id among the evaluated ones (0-based); leave it out for the first "
                                "downstream-change case.")
