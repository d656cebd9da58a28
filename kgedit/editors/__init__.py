"""Model editors (SPEC §8): one interface (kgedit.editors.base.Editor), looked up by name here."""

from __future__ import annotations

import difflib

from kgedit.editors.base import EditOutcome, Editor, EditRequest, parse_params
from kgedit.errors import KgeditError

__all__ = ["check_params", "EditOutcome", "EditRequest", "Editor", "editor_names", "editor_parallel", "make_editor"]


def _registry() -> dict[str, type[Editor]]:
    from kgedit.editors.bayes import BayesEditor
    from kgedit.editors.finetune import FtEditor, FtLEditor
    from kgedit.editors.lora import LoraEditor
    from kgedit.editors.memit import MemitEditor
    from kgedit.editors.rome import RomeEditor

    return {cls.name: cls for cls in (LoraEditor, BayesEditor, FtEditor, FtLEditor, RomeEditor, MemitEditor)}


def editor_names() -> list[str]:
    return sorted(_registry())


def editor_parallel(name: str) -> bool:
    """Whether the editor `name` can edit independent cases at once (edit-parallel evaluation)."""
    return _registry()[name].parallel


def check_params(name: str, overrides: dict[str, str]):
    """The editor's parameters (its Params), or the KgeditError make_editor would raise for this editor
    name and these parameters (every value in its range: kgedit.editors.base.Params.check), without a model."""
    return parse_params(_editor_class(name).Params, overrides, name)


def make_editor(name: str, model, tok, overrides: dict[str, str] | None = None) -> Editor:
    """The editor `name` on (model, tok) with `key=value` parameter overrides (clear errors otherwise)."""
    cls = _editor_class(name)
    return cls(model, tok, parse_params(cls.Params, overrides, name))


def _editor_class(name: str) -> type[Editor]:
    registry = _registry()
    if name not in registry:
        close = difflib.get_close_matches(name, registry, n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise KgeditError(f"Unknown editor {name!r}.", hint + "Editors: " + ", ".join(sorted(registry)))
    return registry[name]
