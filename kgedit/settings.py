"""A stage's settings written once: each field of a stage's config dataclass carries its default and its
help text, and both front ends are derived from the field: the command-line options (`cli.common.option`)
and the keys of the experiment file (`kgedit.experiment.config.SCHEMA`). The values are checked by the
dataclass's own check(), whichever front end gave them.

The config modules stay light (no numpy, torch or pyarrow at import), since `kgedit --help` reads them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, Field, field, fields
from pathlib import Path
from typing import Any

# A key's TOML type(s), as isinstance() takes them.
TomlKind = type | tuple[type, ...]


def setting(default: Any = MISSING, *, help: str) -> Any:
    """A config field with its default (left out: a required field) and the help text of its option."""
    return field(default=default, metadata={"help": help})


def setting_of(config: type, name: str) -> Field:
    """The field `name` of the dataclass `config`."""
    return {f.name: f for f in fields(config)}[name]


def default_of(config: type, name: str) -> Any:
    return setting_of(config, name).default


def toml_keys(config: type, names: Sequence[str] | None = None) -> dict[str, tuple[TomlKind, Any]]:
    """Experiment-file keys from the fields `names` (all when None), in that order: key -> (TOML type,
    default). A float also takes a TOML integer, a path is a string; None as default: not set."""
    hints = typing.get_type_hints(config)
    return {name: (_toml_kind(hints[name]), default_of(config, name))
            for name in (names or [f.name for f in fields(config)])}


def _toml_kind(hint: Any) -> TomlKind:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):       # X | None: an optional X
        (hint,) = [kind for kind in typing.get_args(hint) if kind is not types.NoneType]
    return {float: (float, int), Path: str}.get(hint, hint)
