"""The checker's exceptions: one base class, one class per failure mode.

    try:
        steps = replay(model, [0, 3, 1])
    except CheckerError as err:  # ReplayError, NondeterministicModel, BadBound
        print(err)

Each message names what was wrong, what was expected, and how to fix it.
"""

from __future__ import annotations

import signal


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


class WorkerLost(CheckerError):
    """A worker of a partitioned run (a forked process, a Ray actor) ended
    before the run did, most often killed by the out-of-memory killer: the
    run has no verdict. The message names the worker, how it ended (`how`,
    see `how_it_ended`), and what to try."""

    def __init__(self, worker: int, pid: int | None, how: str) -> None:
        self.worker, self.pid, self.how = worker, pid, how
        named = f"worker {worker}" if pid is None else f"worker {worker} (pid {pid})"
        super().__init__(
            f"{named} ended mid-run, {how}: no verdict."
            " If the machine ran out of memory (see `dmesg`): on one process"
            " (--workers 1 --max-memory MB) a run stops at the bound, INCOMPLETE,"
            " instead of being killed"
        )

    def __reduce__(self) -> tuple[type[WorkerLost], tuple[int, int | None, str]]:
        # Raised in the suite's pool workers, it travels pickled.
        return WorkerLost, (self.worker, self.pid, self.how)


def how_it_ended(exitcode: int | None) -> str:
    """A process's end, from its exit code (negative: the signal)."""
    if exitcode is None:
        return "its pipe closed"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"
