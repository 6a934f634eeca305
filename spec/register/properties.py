"""The register's named properties. Each reads what the protocol produced
(the copies held and the answers returned), never recomputes a step.

- OneValuePerTimestamp (invariant): all copies of a stamp, anywhere (stores,
  messages, clients, answers), carry the same value. With unique stamps a
  stamp names one write; the `no-writer-id` mutant breaks that first.
- ReadNotStale (step): a read returns at least the copy linearized when it
  started: a higher stamp, or the same stamp and the same value.
- WriteNotStale (step): a write's stamp is higher than the one linearized when
  it started, so that it is not ordered before writes that finished earlier.
- ReadSeesWrite (sometimes): some read returns a written value.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.model import Invariant, Sometimes, StepProperty
from spec.register.actions import Action, show
from spec.register.state import INITIAL, Copy, Kind, State


def _copies(s: State) -> Iterator[tuple[str, int, Copy]]:
    """Every copy in `s`, with where it is as (place, index): see `_where`.
    Names are built only for a violation: this runs on every state."""
    for i, copy in enumerate(s.stores):
        yield "store", i, copy
    for m in s.network:
        if m.kind == Kind.WRITE or m.kind == Kind.REPLY:
            yield "message", m.kind, m.copy
    for i, c in enumerate(s.clients):
        yield "buffer", i, c.copy
        if c.answer is not None:
            yield "answer", i, c.answer.copy


def _where(place: str, index: int) -> str:
    """A copy's place for a person: a message by its kind, else a node's part."""
    if place == "message":
        return f"a {Kind(index).name} message"
    node = f"s{index + 1}" if place == "store" else f"c{index + 1}"
    return f"{node}'s {place}"


def one_value_per_timestamp(s: State) -> str | None:
    seen: dict[tuple[int, int], tuple[str, int, Copy]] = {}
    for place, index, copy in _copies(s):
        first = seen.setdefault(copy.stamp, (place, index, copy))
        if first[2].value != copy.value:
            where_first, shown = _where(first[0], first[1]), show(first[2])
            where = _where(place, index)
            return f"{shown} in {where_first}, but {show(copy)} in {where}: one stamp, two values"
    return None


def read_not_stale(s: State, action: Action, nxt: State) -> str | None:
    for i, (before, after) in enumerate(zip(s.clients, nxt.clients, strict=True)):
        if after.reads_done == before.reads_done or after.answer is None:
            continue
        answer, snapshot = after.answer.copy, before.snapshot
        if answer.stamp < snapshot.stamp or (answer.stamp == snapshot.stamp and answer != snapshot):
            return (
                f"c{i + 1}'s read returned {show(answer)}, but {show(snapshot)}"
                " was linearized before the read started"
            )
    return None


def write_not_stale(s: State, action: Action, nxt: State) -> str | None:
    for i, (before, after) in enumerate(zip(s.clients, nxt.clients, strict=True)):
        if after.writes_done == before.writes_done:
            continue
        written = after.answer.copy if after.answer is not None else INITIAL
        if written.stamp <= before.snapshot.stamp:
            return (
                f"c{i + 1}'s write completed with {show(written)}, not above"
                f" {show(before.snapshot)}, which was linearized before the write started"
            )
    return None


def check_step(s: State, action: Action, nxt: State) -> tuple[str, str] | None:
    """STEP_PROPERTIES at once, in their order (`checker.model.has_step_check`).
    Both speak only of a client that finished an operation, so a step that
    leaves the clients as they were (a delivery to a server, a dead reply;
    the model then keeps the same tuple) passes both without a call."""
    if nxt.clients is s.clients:
        return None
    detail = read_not_stale(s, action, nxt)
    if detail is not None:
        return "ReadNotStale", detail
    detail = write_not_stale(s, action, nxt)
    if detail is not None:
        return "WriteNotStale", detail
    return None


def read_sees_write(s: State) -> bool:
    return any(c.answer and c.answer.read and c.answer.copy != INITIAL for c in s.clients)


INVARIANTS = (Invariant("OneValuePerTimestamp", one_value_per_timestamp),)
STEP_PROPERTIES = (
    StepProperty("ReadNotStale", read_not_stale),
    StepProperty("WriteNotStale", write_not_stale),
)
SOMETIMES = (Sometimes("ReadSeesWrite", read_sees_write),)
