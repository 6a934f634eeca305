"""The read-impose-write-all register as a checkable model.

    >>> from checker.explore import explore
    >>> explore(RegisterModel(RegisterParams())).verdict.value
    'verified'

write(v) by c1: WRITE(ts+1) to every server, wait for q(n) acks. read: QUERY
every server, wait for q(n) replies, take the highest timestamp, impose it
(WRITE it to every server), wait for q(n) acks, return it. A fail-silent
server may never answer: a delivery to or from it is never required (not
fair), as in the token model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checker.model import Invariant, Sometimes, StepProperty
from spec.register.params import RegisterParams
from spec.register.state import (
    ACK,
    IDLE,
    IMPOSING,
    KIND_NAMES,
    PHASE_NAMES,
    QUERY,
    QUERYING,
    REPLY,
    WRITE,
    WRITING,
    Client,
    Message,
    State,
)

Action = tuple[str, int] | tuple[str, Message]


class RegisterModel:
    name = "read-impose-write-all register"

    def __init__(self, params: RegisterParams) -> None:
        self.params = params.validated()
        self.quorum = self.params.quorum()
        self.faulty = self.params.faulty or 0
        self.invariants: tuple[Invariant, ...] = ()
        self.step_properties = (StepProperty("ReadNotStale", read_not_stale),)
        self.sometimes = (Sometimes("ReadSeesWrite", read_sees_write),)

    def initial_states(self) -> Sequence[State]:
        p = self.params
        return (State((0,) * p.servers, (Client(),) * p.clients, frozenset(), 0),)

    def actions(self, s: State) -> Sequence[Action]:
        p = self.params
        found: list[Action] = []
        for c, client in enumerate(s.clients):
            if client.phase != IDLE:
                continue
            if c == 0 and client.writes_done < p.writes:
                found.append(("ClientStartWrite", c))
            if client.reads_done < p.reads:
                found.append(("ClientStartRead", c))
        found.extend(("Deliver", m) for m in sorted(s.network))
        return found

    def next_state(self, s: State, action: Action) -> State:
        verb, arg = action
        if verb == "ClientStartWrite":
            assert isinstance(arg, int)
            c = s.clients[arg]
            client = replace(c, phase=WRITING, op=c.op + 1, ts=c.writes_done + 1, answered=0)
            return self._begin(s, arg, client, WRITE)
        if verb == "ClientStartRead":
            assert isinstance(arg, int)
            c = s.clients[arg]
            client = replace(
                c, phase=QUERYING, op=c.op + 1, ts=0, answered=0, snapshot=s.linearized
            )
            return self._begin(s, arg, client, QUERY)
        assert isinstance(arg, tuple)
        return self._deliver(s, arg)

    def _begin(self, s: State, c: int, client: Client, kind: int) -> State:
        """Set client c's new phase and send its message to every server."""
        sent = {(kind, c, srv, client.op, client.phase, client.ts) for srv in range(len(s.stores))}
        clients = (*s.clients[:c], client, *s.clients[c + 1 :])
        return replace(s, clients=clients, network=s.network | sent)

    def _deliver(self, s: State, m: Message) -> State:
        kind, c, srv, op, phase, ts = m
        network = s.network - {m}
        client = s.clients[c]
        live = client.op == op and client.phase == phase
        if kind == WRITE:  # the server keeps the higher timestamp, and acks a live phase
            stores = (*s.stores[:srv], max(s.stores[srv], ts), *s.stores[srv + 1 :])
            if live:
                network = network | {(ACK, c, srv, op, phase, ts)}
            return replace(s, stores=stores, network=network)
        if kind == QUERY:
            return replace(s, network=network | {(REPLY, c, srv, op, phase, s.stores[srv])})
        if client.op != op or client.phase != phase or client.answered >> srv & 1:
            return replace(s, network=network)  # a reply to a phase that is over
        answered = client.answered | 1 << srv
        best = max(client.ts, ts) if kind == REPLY else client.ts
        client = replace(client, answered=answered, ts=best)
        if answered.bit_count() < self.quorum:
            return self._set(replace(s, network=network), c, client)
        # The phase is over: its replies and queries still in flight are dead.
        network = frozenset(
            x for x in network if x[0] == WRITE or x[1] != c or x[3] != op or x[4] != phase
        )
        s = replace(s, network=network)
        if phase == QUERYING and self.params.impose:
            return self._begin(s, c, replace(client, phase=IMPOSING, answered=0), WRITE)
        done = replace(client, phase=IDLE, answered=0)
        if phase == WRITING:
            done = replace(done, writes_done=client.writes_done + 1)
        else:
            done = replace(done, reads_done=client.reads_done + 1, answer=best)
        s = replace(s, linearized=max(s.linearized, best))
        return self._set(s, c, done)

    @staticmethod
    def _set(s: State, c: int, client: Client) -> State:
        return replace(s, clients=(*s.clients[:c], client, *s.clients[c + 1 :]))

    def is_fair(self, s: State, action: Action) -> bool:
        verb, arg = action
        return verb != "Deliver" or not (isinstance(arg, tuple) and arg[2] < self.faulty)

    def is_quiescent(self, s: State) -> bool:
        return all(c.phase == IDLE for c in s.clients)

    def describe_action(self, action: Action) -> str:
        verb, arg = action
        if isinstance(arg, int):
            return f"{verb} c{arg + 1}"
        kind, c, srv, op, phase, ts = arg
        ends = f"c{c + 1}->s{srv + 1}" if kind in (WRITE, QUERY) else f"s{srv + 1}->c{c + 1}"
        return f"Deliver {KIND_NAMES[kind]} {ends} [c{c + 1}#{op} {PHASE_NAMES[phase]}] ts={ts}"

    def describe_state(self, s: State) -> Mapping[str, Any]:
        return {
            "stores": {f"s{i + 1}": ts for i, ts in enumerate(s.stores)},
            "clients": {
                f"c{i + 1}": f"{PHASE_NAMES[c.phase]} op#{c.op} ts={c.ts} answer={c.answer}"
                for i, c in enumerate(s.clients)
            },
            "linearized": s.linearized,
            "network": len(s.network),
        }


def read_not_stale(s: State, action: Action, nxt: State) -> str | None:
    """A read returns at least the timestamp linearized when it started."""
    for i, (before, after) in enumerate(zip(s.clients, nxt.clients, strict=True)):
        answer = after.answer
        finished = before.reads_done != after.reads_done
        if finished and answer is not None and answer < before.snapshot:
            return (
                f"c{i + 1}'s read returned ts {answer}, but ts {before.snapshot}"
                " was linearized before the read started"
            )
    return None


def read_sees_write(s: State) -> bool:
    return any(c.answer for c in s.clients)
