"""The implementation's errors: one base class, one class per failure mode.

Every message says what was wrong, what was expected and how to fix it, so
that the shell and the CLI can print it as is.
"""

from __future__ import annotations

from collections.abc import Iterable


def duration(seconds: float) -> str:
    """Seconds in a unit that fits: '200 ms', '1.5 s', '80 µs'.

    >>> duration(0.2), duration(1.5), duration(0.00008), duration(0)
    ('200 ms', '1.5 s', '80 µs', '0 s')
    """
    if seconds == 0 or seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


class ImplError(Exception):
    """Base class of every error the reference implementation raises."""


class BadCommand(ImplError):
    """A shell command or an operation's arguments are malformed; nothing changed."""


class BadMessage(ImplError):
    """A network message is malformed; the receiving node drops it and records why."""


class Refused(ImplError):
    """A well-formed request that the current state does not allow (a role change
    that would break the server bounds or the fault bound, a busy client...)."""


class NotAClient(Refused):
    """An operation was asked of a node that is not (or no longer) a client."""


class OperationTimeout(ImplError):
    """An operation did not complete in time; names the servers that did not answer
    the phase it was waiting on. The operation stays pending and may still complete."""

    def __init__(self, what: str, phase: str, missing: Iterable[str], timeout: float) -> None:
        self.missing = tuple(sorted(missing))
        who = ", ".join(self.missing) or "none (waiting for a newer configuration)"
        super().__init__(
            f"{what} did not complete within {duration(timeout)}; in its {phase} phase these "
            f"servers did not answer: {who}. It stays pending; raise the timeout, or "
            f"lower --drop/--delay, or check that fewer than half the servers are faulty."
        )
