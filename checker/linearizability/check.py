"""Check a history against a sequential model: ok, illegal or unknown.

    result = check(read_history("run.jsonl"), TokensModel(), timeout=10)
    result.verdict   # "ok", "illegal" (result.failure says where) or "unknown"

Each object of the model's partition is checked alone (linearizability is
local: a history is linearizable iff each object's subhistory is). The
tokens model first tries the fast path (ledger_fast.py); a token it defers,
or finds illegal, goes to the general search, which also finds the longest
linearizable prefix to report. Unknown (the timeout passed) is never ok.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import StrEnum

from checker.linearizability.gc_pause import gc_paused
from checker.linearizability.history import History
from checker.linearizability.ledger_fast import fast_ledger
from checker.linearizability.model import SequentialModel
from checker.linearizability.models import LedgerPartition
from checker.linearizability.search import search


class Answer(StrEnum):
    """Porcupine's three answers; a StrEnum, so JSON and text print the word."""

    OK = "ok"
    ILLEGAL = "illegal"
    UNKNOWN = "unknown"


OK, ILLEGAL, UNKNOWN = Answer.OK, Answer.ILLEGAL, Answer.UNKNOWN
EXIT_CODES = {OK: 0, ILLEGAL: 1, UNKNOWN: 3}


@dataclass(frozen=True, slots=True)
class Failure:
    """The object that does not linearize: `prefix` a longest linearizable
    prefix of its operations (history ids, in order), `stuck` the operations
    none of which can come next; `why` the fast path's reason when it has one."""

    key: Hashable
    prefix: tuple[int, ...]
    stuck: tuple[int, ...]
    why: str = ""
    searched: bool = True


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Answer
    model: str
    operations: int
    objects: int
    seconds: float
    failure: Failure | None = None
    unknown: tuple[Hashable, ...] = ()
    orders: dict[Hashable, tuple[int, ...]] = field(default_factory=dict)
    fast: int = 0  # objects decided by the fast path
    searched: int = 0  # objects the general search decided

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]


def check(
    history: History,
    model: SequentialModel,
    timeout: float | None = None,
    fast: bool = True,
    orders: bool = True,
) -> Result:
    """Raises HistoryError (line and field) if the model rejects an operation.
    `orders=False` spares the fast path sorting each object's linearization
    (Result.orders then has only the objects the general search decided)."""
    with gc_paused():
        return _check(history, model, timeout, fast, orders)


def _check(
    history: History,
    model: SequentialModel,
    timeout: float | None,
    fast: bool,
    want_orders: bool,
) -> Result:
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    part = model.partition(history)
    orders: dict[Hashable, tuple[int, ...]] = {}
    hints: dict[Hashable, str] = {}
    todo = list(part.keys)
    decided_fast = 0
    if fast and isinstance(part, LedgerPartition):
        todo = []
        for token, fast_verdict in sorted(fast_ledger(part, want_orders).items()):
            if fast_verdict.ok:
                orders[token] = fast_verdict.order
                decided_fast += 1
            else:
                todo.append(token)
                hints[token] = fast_verdict.why if fast_verdict.ok is False else ""
    unknown: list[Hashable] = []
    failure = None
    searched = 0
    for key in todo:
        if deadline is not None and time.monotonic() > deadline:
            unknown.append(key)
            continue
        found = search(model, part.init(key), part.calls(key), deadline)
        searched += found.ok is not None
        if found.ok:
            orders[key] = found.order
        elif found.ok is False:
            failure = Failure(key, found.order, found.stuck, hints.get(key, ""))
            break
        elif hints.get(key):  # the fast path's exact reason stands without the details
            failure = Failure(key, (), (), hints[key], searched=False)
            break
        else:
            unknown.append(key)
    verdict = ILLEGAL if failure else UNKNOWN if unknown else OK
    return Result(
        verdict,
        model.name,
        len(history.operations),
        len(part.keys),
        time.monotonic() - started,
        failure,
        tuple(unknown),
        orders,
        decided_fast,
        searched,
    )
