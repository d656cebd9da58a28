"""The editor interface shared by every editing method (SPEC §8).

An editor holds one language model and changes it in place: `edit(requests)` applies edit requests
(one request for the paper's per-case editing; several for batched or sequential editing) and
returns what it measured; `reset()` restores the model exactly as it was before the first edit since
the last reset (tests check bit-identical weights). Whoever evaluates the edited model keeps calling
the same model object: editors never replace it.
"""

from __future__ import annotations

import difflib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from kgedit import checks
from kgedit.errors import KgeditError

# After edit_cases: says which case (edit slot) each row of the next forward passes belongs to.
Route = Callable[[Sequence[int]], None]


@dataclass(frozen=True)
class EditRequest:
    """Teach the model that `prompt` continues with " {target}" (prompt = "{s} {r}"). The world ids
    are there for editors that consult the world (the bayes editor); `subject` (the name the prompt
    starts with) for editors that locate the subject's last token (rome, memit)."""
    prompt: str
    target: str
    case_id: int = -1
    subject_id: str = ""
    relation_id: str = ""
    object_id: str = ""
    subject: str = ""

    @property
    def continuation(self) -> str:
        return " " + self.target


@dataclass
class EditOutcome:
    seconds: float                                          # wall time of the edit itself
    trace: list[dict[str, float]] = field(default_factory=list)   # per optimisation step, when asked for
    final_loss: float = float("nan")                        # mean NLL of the targets after the last step


@dataclass(frozen=True)
class Limit:
    """The valid values of one editor parameter: numbers in [low, high] (whole numbers when the default
    is an int; `low_open` excludes low for real numbers) or one of `words`, or one of `choices` for a
    text parameter."""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()
    words: tuple[str, ...] = ()      # names a number parameter also takes (rome's layer=trace)


# Limits most parameters share: a step size or scale, a weight that may be zero, a count of at least one.
POSITIVE, NON_NEGATIVE, COUNT = Limit(low=0, low_open=True), Limit(low=0), Limit(low=1)


class Params:
    """Base of the editors' frozen parameter dataclasses. `LIMITS` gives every field its valid values,
    so one `check` validates a parameter wherever it comes from (--set, an experiment file, code)."""

    LIMITS: ClassVar[dict[str, Limit]] = {}

    def check(self, editor: str) -> None:
        """A KgeditError naming the first parameter whose value is outside its limits (NaN, infinite,
        out of range, of the wrong type, an unknown choice)."""
        for f in fields(self):  # type: ignore[arg-type]
            value, limit, default = getattr(self, f.name), self.LIMITS[f.name], f.default
            name, hint = f"{editor} parameter {f.name}", _default_hint(f)
            if isinstance(default, tuple):
                if not isinstance(value, tuple) or not value:
                    raise KgeditError(f"{name} needs at least one value (got {value!r}).", hint)
                for item in value:
                    _check_value(name, item, default[0], limit, hint)
            else:
                _check_value(name, value, default, limit, hint)


def _default_hint(f: Field) -> str:
    shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
    return f"The default is {f.name}={shown}."


def _check_value(name: str, value: Any, like: Any, limit: Limit, hint: str) -> None:
    """One value against its limit; `like` (the default) says which kind of value it must be."""
    if isinstance(value, str) and value in limit.words:
        return
    if limit.words:
        hint = f"{hint} Or: {', '.join(limit.words)}."
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise KgeditError(f"{name} must be true or false (got {value!r}).", hint)
    elif isinstance(like, int):
        low, high = (None if b is None else int(b) for b in (limit.low, limit.high))
        checks.integer(name, value, low=low, high=high, hint=hint)
    elif isinstance(like, float):
        checks.finite(name, value, low=limit.low, high=limit.high, low_open=limit.low_open, hint=hint)
    elif limit.choices and value not in limit.choices:
        raise KgeditError(f"{name} must be one of {', '.join(limit.choices)} (got {value!r}).", hint)
    elif not isinstance(value, str) or not value.strip():
        raise KgeditError(f"{name} must be a non-empty name (got {value!r}).", hint)


class Editor(ABC):
    """Base class. Subclasses declare `name`, a frozen dataclass `Params` (a kgedit.editors.base.Params
    with limits for every field) and implement _edit/_reset."""

    name: ClassVar[str]
    Params: ClassVar[type]
    # True when the editor can edit independent cases all at once (edit_cases / route)
    parallel: ClassVar[bool] = False

    def __init__(self, model, tok, params: Any = None) -> None:
        self.model, self.tok = model, tok
        self.params = params if params is not None else self.Params()
        if isinstance(self.params, Params):   # every kgedit editor's are (a test's own editor may differ)
            self.params.check(self.name)
        self.edited = False

    def prepare(self, world_db: Path, requests: Sequence[EditRequest]) -> None:
        """Called once before a batch of future edits with the world they come from (default: nothing)."""

    def edit(self, requests: Sequence[EditRequest], *, seed: int = 0, trace: bool = False) -> EditOutcome:
        if not requests:
            raise KgeditError("An edit needs at least one request.")
        start = time.perf_counter()
        outcome = self._edit(list(requests), seed=seed, trace=trace)
        self.edited = True
        outcome.seconds = time.perf_counter() - start
        return outcome

    def reset(self) -> None:
        """Undo every edit since the last reset (no-op when nothing was edited)."""
        if self.edited:
            self._reset()
            self.edited = False

    def edit_cases(self, requests: Sequence[EditRequest], seeds: Sequence[int], *,
                   trace: bool = False) -> list[EditOutcome]:
        """Edit each request as an independent case, all at once (editors with `parallel`); afterwards
        `route(slots)` says which case each row of the next forward passes sees; `reset` undoes all."""
        raise KgeditError(f"The {self.name} editor edits one case at a time.",
                          "Leave --parallel-edits out or set it to 1 (edit-parallel evaluation: lora, bayes).")

    def rows_per_case(self, requests: Sequence[EditRequest]) -> float:
        """About how many sequences one case's edit trains on (sizes the edit-parallel batch)."""
        return 1.0

    def route(self, slots: Sequence[int]) -> None:
        """Row i of the next forward passes sees case slots[i]'s edit (after edit_cases)."""
        raise KgeditError(f"The {self.name} editor edits one case at a time.")

    @abstractmethod
    def _edit(self, requests: list[EditRequest], *, seed: int, trace: bool) -> EditOutcome: ...

    @abstractmethod
    def _reset(self) -> None: ...


def parse_params(params_type: type, overrides: dict[str, str] | None, editor: str) -> Any:
    """The editor's default params with `key=value` overrides converted to the field's type and checked
    against the field's limits."""
    base = params_type()
    if not overrides:
        return base
    known = {f.name: f for f in fields(params_type)}
    changes: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise KgeditError(f"The {editor} editor has no parameter {key!r}.",
                              hint + "Its parameters: " + ", ".join(sorted(known)))
        current = getattr(base, key)
        try:
            if str(raw) in _words(params_type, key):
                value: Any = (str(raw),) if isinstance(current, tuple) else str(raw)
            elif isinstance(current, bool):
                if str(raw).lower() not in ("true", "false", "1", "0"):
                    raise ValueError(raw)
                value = str(raw).lower() in ("true", "1")
            elif isinstance(current, (tuple, list)):
                value = tuple(type(current[0])(v) for v in str(raw).split(",")) if current else tuple(str(raw).split(","))
            else:
                value = type(current)(raw)
        except ValueError:
            words = _words(params_type, key)
            raise KgeditError(f"{editor} parameter {key}={raw!r} is not a valid {type(current).__name__}.",
                              _default_hint(known[key]) + (f" Or: {', '.join(words)}." if words else "")) from None
        changes[key] = value
    params = replace(base, **changes)
    params.check(editor)
    return params


def _words(params_type: type, key: str) -> tuple[str, ...]:
    """The words a number parameter also takes (none for a parameter type without limits)."""
    limit = getattr(params_type, "LIMITS", {}).get(key)
    return limit.words if limit is not None else ()
