"""The register's actions: each a small record, and the step it takes.

Each step reads like a TLA+ action: its guard is `enabled` (in `model.py`),
its update below; what it does not mention stays unchanged.

write(v) by a writer: in (1,N) the writer numbers its writes itself; in
(N,N) it first QUERYs every server and waits for q(n) replies to learn the
highest counter. Then it sends WRITE(stamp, v) to every server and waits
for q(n) acks. read: QUERY every server, wait for q(n) replies, take the
highest stamp, impose it (WRITE it to every server, wait for q(n) acks),
return it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spec.register.state import INITIAL, Client, Copy, Kind, Message, Phase, State, field_values


@dataclass(frozen=True, slots=True)
class ClientStartWrite:
    client: int

    def __reduce__(self) -> tuple[type[ClientStartWrite], tuple[Any, ...]]:
        return (ClientStartWrite, field_values(self))  # see field_values

    def __str__(self) -> str:
        return f"ClientStartWrite c{self.client + 1}"


@dataclass(frozen=True, slots=True)
class ClientStartRead:
    client: int

    def __reduce__(self) -> tuple[type[ClientStartRead], tuple[Any, ...]]:
        return (ClientStartRead, field_values(self))  # see field_values

    def __str__(self) -> str:
        return f"ClientStartRead c{self.client + 1}"


@dataclass(frozen=True, slots=True)
class Deliver:
    message: Message

    def __reduce__(self) -> tuple[type[Deliver], tuple[Any, ...]]:
        return (Deliver, field_values(self))  # see field_values

    def __str__(self) -> str:
        m = self.message
        c, s = f"c{m.client + 1}", f"s{m.server + 1}"
        ends = f"{c}->{s}" if m.kind in (Kind.WRITE, Kind.QUERY) else f"{s}->{c}"
        shown = f" {show(m.copy)}" if m.kind in (Kind.WRITE, Kind.REPLY) else ""
        return f"Deliver {m.kind.name} {ends} [{c}#{m.op} {m.phase.name.lower()}]{shown}"


Action = ClientStartWrite | ClientStartRead | Deliver


def show(copy: Copy) -> str:
    """A copy as `ts=(2,c1) v=c1#2`: stamp, then which write the value is."""
    (counter, writer), (vc, vw) = copy
    stamp = f"({counter},c{writer})" if writer else f"({counter})"
    return f"ts={stamp} v={f'c{vw}#{vc}' if vc else 'initial'}"


def with_client(clients: tuple[Client, ...], c: int, client: Client) -> tuple[Client, ...]:
    return (*clients[:c], client, *clients[c + 1 :])


def begin_phase(s: State, c: int, client: Client, kind: Kind) -> State:
    """Set client c's new phase and send its message to every server."""
    sent = {
        Message(kind, c, srv, client.op, client.phase, client.copy) for srv in range(len(s.stores))
    }
    return State(s.stores, with_client(s.clients, c, client), s.network | sent, s.linearized)


def start_write(s: State, c: int, stamped: bool) -> State:
    """c starts a write: (1,N) stamps it at once; (N,N) asks a quorum first."""
    client = s.clients[c]
    if stamped:
        counter = client.writes_done + 1
        copy = Copy((counter, c + 1), (counter, c + 1))
        return begin_phase(s, c, client.begin(Phase.WRITING, copy, s.linearized), Kind.WRITE)
    return begin_phase(s, c, client.begin(Phase.WRITE_QUERY, INITIAL, s.linearized), Kind.QUERY)


def start_read(s: State, c: int) -> State:
    return begin_phase(s, c, s.clients[c].begin(Phase.QUERYING, INITIAL, s.linearized), Kind.QUERY)
