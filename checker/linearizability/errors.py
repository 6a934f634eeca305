"""The linearizability checker's exceptions: one base class, one per failure mode."""

from __future__ import annotations

from checker.errors import CheckerError


class LinearizabilityError(CheckerError):
    """Base class of every error this package raises on purpose."""


class HistoryError(LinearizabilityError):
    """A history file is unreadable: the message names the line and the field.

    >>> str(HistoryError("h.jsonl", 3, "output.version", "expected an int, got 'x'"))
    "h.jsonl:3: output.version: expected an int, got 'x'"
    """

    def __init__(self, source: str, line: int, field: str, problem: str) -> None:
        self.source = source
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{source}:{line}: {field}" if line else source  # line 0: the whole file
        super().__init__(f"{where}: {problem}")
