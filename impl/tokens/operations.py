"""Operations, their answers, and the handle a caller waits on.

>>> str(Ok(2)), str(NotOwner(1, "c2")), str(Tokens(((0, 1), (6, 3))))
('OK(2)', 'NOT_OWNER(1, c2)', '[(0, 1), (6, 3)]')
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from impl.tokens.errors import ImplError, OperationTimeout


@dataclass(frozen=True, slots=True)
class Pay:
    """`pay(token, to)`: move `token` from the calling client to `to`."""

    token: int
    to: str

    def to_json(self) -> dict[str, object]:
        return {"op": "pay", "token": self.token, "to": self.to}

    def __str__(self) -> str:
        return f"pay({self.token}, {self.to})"


@dataclass(frozen=True, slots=True)
class GetTokens:
    """`gettokens(owner)`: the tokens `owner` holds, with their versions."""

    owner: str

    def to_json(self) -> dict[str, object]:
        return {"op": "gettokens", "owner": self.owner}

    def __str__(self) -> str:
        return f"gettokens({self.owner})"


Call = Pay | GetTokens


@dataclass(frozen=True, slots=True)
class Ok:
    version: int

    def to_json(self) -> dict[str, object]:
        return {"answer": "OK", "version": self.version}

    def __str__(self) -> str:
        return f"OK({self.version})"


@dataclass(frozen=True, slots=True)
class NotOwner:
    version: int
    owner: str

    def to_json(self) -> dict[str, object]:
        return {"answer": "NOT_OWNER", "version": self.version, "owner": self.owner}

    def __str__(self) -> str:
        return f"NOT_OWNER({self.version}, {self.owner})"


@dataclass(frozen=True, slots=True)
class Tokens:
    """gettokens' answer: (token, version) pairs, sorted by token."""

    tokens: tuple[tuple[int, int], ...]

    def to_json(self) -> dict[str, object]:
        return {"answer": "TOKENS", "tokens": [list(p) for p in self.tokens]}

    def __str__(self) -> str:
        return "[" + ", ".join(f"({t}, {v})" for t, v in self.tokens) + "]"


@dataclass(frozen=True, slots=True)
class Installed:
    """A role change's answer: the configuration it installed."""

    epoch: int
    servers: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"answer": "INSTALLED", "epoch": self.epoch, "servers": list(self.servers)}

    def __str__(self) -> str:
        return f"installed epoch {self.epoch}: servers {', '.join(self.servers)}"


Answer = Ok | NotOwner | Tokens | Installed

# Returns (phase name, servers that have not answered it) for a pending operation.
Progress = Callable[[], tuple[str, tuple[str, ...]]]


class Handle:
    """The future of one operation or role change.

    `invoked_seq` and `answered_seq` are the recorder's sequence numbers of its
    start and its answer: two operations overlapped in time iff each started
    before the other was answered."""

    def __init__(self, node: str, call: object, progress: Progress | None = None) -> None:
        self.node = node
        self.call = call
        self._progress = progress
        self._done = threading.Event()
        self.answer: Answer | None = None
        self.invoked_seq = 0
        self.answered_seq = 0
        self.created_at = time.perf_counter()  # for latency figures only, never for verdicts
        self.answered_at = 0.0

    def resolve(self, answer: Answer, seq: int) -> None:
        self.answer = answer
        self.answered_seq = seq
        self.answered_at = time.perf_counter()
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float) -> Answer:
        """Block until answered; raise OperationTimeout naming the servers that
        did not answer the pending phase."""
        if not self._done.wait(timeout):
            raise self.timeout_error(timeout)
        if self.answer is None:  # resolve() always sets it; guards against misuse
            raise ImplError(f"{self.node}: {self.call} completed without an answer")
        return self.answer

    def timeout_error(self, timeout: float) -> OperationTimeout:
        """The error of a handle still unanswered after `timeout` seconds."""
        phase, missing = self._progress() if self._progress else ("current", ())
        return OperationTimeout(f"{self.node}: {self.call}", phase, missing, timeout)

    def __repr__(self) -> str:
        state = str(self.answer) if self.done else "pending"
        return f"<{self.node}: {self.call} -> {state}>"
