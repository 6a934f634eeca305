"""The named properties of PROTOCOL.md section 5, as claims on states and steps.

Invariants (every reachable state): NoDoubleSpend, Conservation.
Step properties (every transition): ReadNotStale, StoreMonotone.
Sometimes (a vacuous model cannot pass): OperationCompletes, PayCompletes.
Progress (liveness) comes from the model's fairness and quiescence.
Each check returns None when the claim holds, else the values that break it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress
from operator import is_not

from checker.model import Invariant, Sometimes, StepProperty
from spec.tokens.actions import Receive, format_message
from spec.tokens.params import Params
from spec.tokens.state import (
    IDLE,
    READ_REPLY,
    SYNC_STATE,
    SYNC_WRITE,
    WRITE,
    Client,
    Server,
    State,
    merge_values,
    popcount,
)


def _copies(s: State, names: tuple[str, ...]) -> Iterator[tuple[int, int, int, str]]:
    """Every copy of a token version: (token, version, owner, where)."""
    for i, node in enumerate(s.nodes):
        if isinstance(node, Server):
            if node.store is not None:
                for t, entry in enumerate(node.store):
                    if entry is not None:
                        yield t, entry[0], entry[1], f"{names[i]}'s store"
        elif node.phase != IDLE:
            for t, v, o in node.values:
                yield t, v, o, f"{names[i]}'s buffer"
    if s.manager is not None and s.manager.merged is not None:
        for t, entry in enumerate(s.manager.merged):
            if entry is not None:
                yield t, entry[0], entry[1], "the manager's merge"
    for m in s.network:
        kind = m[0]
        if kind in (READ_REPLY, WRITE):
            for t, v, o in m[7]:
                yield t, v, o, format_message(m, names)
        elif kind in (SYNC_STATE, SYNC_WRITE):
            store = m[7] if kind == SYNC_STATE else m[7][1]
            if store is not None:
                for t, entry in enumerate(store):
                    if entry is not None:
                        yield t, entry[0], entry[1], format_message(m, names)


def _owners_agree(s: State) -> bool:
    """True when every copy of each (token, version) names one owner.

    Copies are gathered into sets first (at C speed: most are duplicates of
    one another), so the Python loop runs only over distinct copies."""
    stored: set[tuple[int, tuple[int, int] | None]] = set()  # (token, (version, owner))
    valued: set[tuple[int, int, int]] = set()  # (token, version, owner)
    for node in s.nodes:
        if isinstance(node, Server):
            if node.store is not None:
                stored.update(enumerate(node.store))
        elif node.phase != IDLE:
            valued.update(node.values)
    if s.manager is not None and s.manager.merged is not None:
        stored.update(enumerate(s.manager.merged))
    for m in s.network:
        kind = m[0]
        if kind in (READ_REPLY, WRITE):
            valued.update(m[7])
        elif kind == SYNC_STATE:
            if m[7] is not None:
                stored.update(enumerate(m[7]))
        elif kind == SYNC_WRITE and m[7][1] is not None:
            stored.update(enumerate(m[7][1]))
    for t, entry in stored:
        if entry is not None:
            valued.add((t, entry[0], entry[1]))
    owner: dict[tuple[int, int], int] = {}
    first = owner.setdefault
    return all(first((t, v), o) == o for t, v, o in valued)


def make_properties(
    params: Params,
) -> tuple[tuple[Invariant, ...], tuple[StepProperty, ...], tuple[Sometimes, ...]]:
    names = params.names

    def no_double_spend(s: State) -> str | None:
        # Fast pass without locations; the slow pass names them on a conflict.
        if _owners_agree(s):
            return None
        seen: dict[tuple[int, int], tuple[int, str]] = {}
        for t, v, o, where in _copies(s, names):
            first = seen.setdefault((t, v), (o, where))
            if first[0] != o:
                return (
                    f"token {t} version {v} is owned by {names[first[0]]} in {first[1]}"
                    f" and by {names[o]} in {where}"
                )
        return None

    def conservation(s: State) -> str | None:
        for node in s.nodes:
            store = node.store if type(node) is Server else None
            if store is not None and (len(store) != params.tokens or None in store):
                return _explain_conservation(s)
        return None

    def _explain_conservation(s: State) -> str:
        for i, node in enumerate(s.nodes):
            if type(node) is not Server or node.store is None:
                continue
            if len(node.store) != params.tokens:
                return f"{names[i]} holds {len(node.store)} tokens, not {params.tokens}"
            for t, entry in enumerate(node.store):
                if entry is None:
                    return f"{names[i]}'s store has no copy of token {t}"
        raise AssertionError("conservation holds")

    def read_not_stale(s: State, action: object, after: State) -> str | None:
        if type(action) is not Receive or action.message[0] != READ_REPLY:
            return None
        m = action.message
        client = s.nodes[m[2]]
        assert type(client) is Client and client.snapshot is not None, "a READ_REPLY is live"
        if popcount(client.answered | 1 << m[1]) < client.needed:
            return None  # this reply does not complete the READ phase
        best = merge_values(client.values, m[7])
        for (t, v, o), snapshot in zip(best, client.snapshot, strict=True):
            if v < snapshot:
                return (
                    f"{names[m[2]]}'s READ phase ends with token {t} at version {v}"
                    f" (owner {names[o]}), but version {snapshot} was linearized"
                    " when the operation started"
                )
        return None

    def store_monotone(s: State, action: object, after: State) -> str | None:
        if s.nodes is after.nodes:
            return None
        # Most steps change one node: find it at C speed.
        for i in compress(range(len(s.nodes)), map(is_not, s.nodes, after.nodes)):
            old, new = s.nodes[i], after.nodes[i]
            if type(old) is not Server or type(new) is not Server:
                continue
            if old.store is None or new.store is None or old.store is new.store:
                continue
            for t, (was, now) in enumerate(zip(old.store, new.store, strict=True)):
                before = 0 if was is None else was[0]
                later = 0 if now is None else now[0]
                if later < before:
                    return f"{names[i]}'s token {t} goes back from version {before} to {later}"
        return None

    def operation_completes(s: State) -> bool:
        return any(
            type(n) is Client and n.phase == IDLE and s.started[i] > 0
            for i, n in enumerate(s.nodes)
        )

    def pay_completes(s: State) -> bool:
        return any(v > 1 for v in s.linearized)

    sometimes = [Sometimes("OperationCompletes", operation_completes)]
    if _pays_possible(params):
        sometimes.append(Sometimes("PayCompletes", pay_completes))
    return (
        (
            Invariant("NoDoubleSpend", no_double_spend),
            Invariant("Conservation", conservation),
        ),
        (
            StepProperty("ReadNotStale", read_not_stale),
            StepProperty("StoreMonotone", store_monotone),
        ),
        tuple(sometimes),
    )


def _pays_possible(params: Params) -> bool:
    if params.workload is not None:
        return any(op[0] == 0 for script in params.workload for op in script)
    return params.ops > 0 and params.nodes - params.servers >= 2
