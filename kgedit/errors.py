"""The one error family a person sees: a message and a hint on what to do about it."""

from __future__ import annotations


class KgeditError(Exception):
    """A user-facing error. The CLI prints ``Error: message`` and ``Hint: hint`` and exits 1."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


class InputFileError(KgeditError):
    """A bad input file: missing, unreadable, or a malformed line (file and line are in the message)."""


class SchemaError(KgeditError):
    """The database lacks a stage's tables, or already has them when it should not."""
