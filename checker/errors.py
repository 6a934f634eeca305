"""The checker's exceptions: one base class, one class per failure mode.

    try:
        steps = replay(model, [0, 3, 1])
    except CheckerError as err:  # ReplayError, NondeterministicModel, BadBound
        print(err)

Each message names what was wrong, what was expected, and how to fix it.
"""

from __future__ import annotations


class CheckerError(Exception):
    """Base class of every error the checker raises on purpose."""


class ReplayError(CheckerError):
    """A path names an action index (or initial state) that is not there."""


class NondeterministicModel(CheckerError):
    """Replaying the recorded action indexes did not rebuild the state the
    exploration saw: the model enumerates actions or initial states in an
    order that changes between calls, or its successor function is impure."""


class BadBound(CheckerError, ValueError):
    """max_states or max_seconds is negative (or not a number)."""


class ParameterError(CheckerError, ValueError):
    """A protocol parameter is out of range. Protocols raise it (or a
    subclass) from their model factory; the CLI names the option.

    `others` names the parameters this one conflicts with (`servers` against
    `min_servers`): the CLI then names the ones the user gave."""

    def __init__(
        self, option: str, value: object, allowed: str, others: tuple[str, ...] = ()
    ) -> None:
        self.option = option
        self.value = value
        self.allowed = allowed
        self.others = others
        super().__init__(f"{option}={value!r} is not allowed: {allowed}")


class UnknownNameError(CheckerError):
    """A protocol, configuration, mutant or property name that does not exist."""

    def __init__(self, what: str, name: str, known: list[str]) -> None:
        self.what, self.name, self.known = what, name, known
        super().__init__(f"unknown {what} {name!r}; known: {', '.join(known) or 'none'}")


class TraceFormatError(CheckerError):
    """A recorded trace cannot be read: names the line, the field and what was
    expected (the file is unreadable, not a divergence: exit 2)."""

    def __init__(self, line: int, field: str, problem: str) -> None:
        self.line, self.field, self.problem = line, field, problem
        super().__init__(f"line {line}: {field}: {problem}")


class Divergence(CheckerError):
    """A recorded event is not a step the specification allows from the state
    reached so far, or the node state it records is not the specification's.

    `states` maps each node involved to the specification's state of it;
    `allowed` lists the steps the specification allowed at that point."""

    def __init__(
        self,
        line: int,
        event: str,
        reason: str,
        states: dict[str, str] | None = None,
        allowed: list[str] | None = None,
    ) -> None:
        self.line, self.event, self.reason = line, event, reason
        self.states = states or {}
        self.allowed = allowed or []
        super().__init__(f"line {line}: {reason}")
