"""The general search: Wing and Gong's algorithm with Lowe's memoization, as
Porcupine does it, for one object's calls under any sequential model.

Calls and returns form one doubly linked list in time order. The search
takes the first call whose output the model accepts from the current state,
removes ("lifts") it with its return, and starts again from the head; when
it meets a return first, no pending call fits, so it backtracks. A cache of
(linearized set, state) cuts every path that reached a configuration
already explored. Unfinished calls return at infinity and accept any output.

    >>> from checker.linearizability.models import RegisterModel
    >>> from checker.linearizability.model import Call
    >>> calls = [Call(0, 0, 3, ("write", 1), ("ok",)), Call(1, 1, 2, ("read",), ("value", 1))]
    >>> search(RegisterModel(), None, calls).ok
    True
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.linearizability.model import Call, SequentialModel

CLOCK_EVERY = 512  # iterations between two looks at the clock


@dataclass(frozen=True, slots=True)
class SearchResult:
    """`ok` True (order is a linearization), False (order is a longest
    linearizable prefix, `stuck` the calls none of which can come next) or
    None (the deadline passed first)."""

    ok: bool | None
    order: tuple[int, ...] = ()
    stuck: tuple[int, ...] = ()
    explored: int = 0


def search(
    model: SequentialModel, init: Hashable, calls: Sequence[Call], deadline: float | None = None
) -> SearchResult:
    n = len(calls)
    if n == 0:
        return SearchResult(True)
    # Entries: node 0 is the head; node 1 + 2i is call i's invocation, 2 + 2i its return.
    order = sorted(
        range(2 * n), key=lambda e: (calls[e >> 1].ret if e & 1 else calls[e >> 1].call, e & 1)
    )
    nodes = [0] + [1 + e for e in order]  # list position -> node id
    size = 2 * n + 1
    nxt = [-1] * size
    prv = [-1] * size
    for a, b in itertools.pairwise(nodes):
        nxt[a] = b
        prv[b] = a
    step = model.step
    state: Any = init
    linearized = 0
    cache: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = []
    best: tuple[int, ...] = ()
    entry = nxt[0]
    iterations = 0
    while nxt[0] != -1:
        iterations += 1
        if deadline is not None and iterations % CLOCK_EVERY == 0 and time.monotonic() > deadline:
            return SearchResult(None, best, (), iterations)
        if entry & 1:  # an invocation: try to linearize it now
            i = (entry - 1) >> 1
            c = calls[i]
            legal, after = step(state, c.input, c.output)
            if legal:
                key = (linearized | (1 << i), after)
                if key not in cache:
                    cache.add(key)
                    stack.append((entry, state))
                    state, linearized = after, key[0]
                    for node in (entry, entry + 1):  # lift the call and its return
                        nxt[prv[node]] = nxt[node]
                        if nxt[node] != -1:
                            prv[nxt[node]] = prv[node]
                    entry = nxt[0]
                    continue
            entry = nxt[entry]
        else:  # a return before any call fits: backtrack
            if len(stack) > len(best):
                best = tuple((e - 1) >> 1 for e, _ in stack)
            if not stack:
                return SearchResult(
                    False, tuple(calls[i].op for i in best), _stuck(calls, best), iterations
                )
            entry, state = stack.pop()
            linearized &= ~(1 << ((entry - 1) >> 1))
            for node in (entry + 1, entry):  # unlift in reverse order
                if nxt[node] != -1:
                    prv[nxt[node]] = node
                nxt[prv[node]] = node
            entry = nxt[entry]
    return SearchResult(True, tuple(calls[(e - 1) >> 1].op for e, _ in stack), (), iterations)


def _stuck(calls: Sequence[Call], prefix: tuple[int, ...]) -> tuple[int, ...]:
    """The calls that could come next in time after `prefix`: none of them fits."""
    placed = set(prefix)
    rest = [i for i in range(len(calls)) if i not in placed]
    first_return = min(calls[i].ret for i in rest)
    return tuple(calls[i].op for i in rest if calls[i].call < first_return)
