"""The read-impose-write-all register as a checkable model.

    >>> from checker.explore import explore
    >>> explore(RegisterModel(RegisterParams())).verdict.value
    'verified'

Servers keep the copy with the highest stamp they have seen. A fail-silent
server may never answer: a delivery to or from one of the first `faulty`
servers is never required (not fair), so Progress needs fewer than half of
them faulty. A reply or ack to a phase that is over is never created, and
when a phase completes, its queries, replies and acks still in flight are
removed (they could change nothing); WRITEs stay, they still change servers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spec.register.actions import (
    Action,
    ClientStartRead,
    ClientStartWrite,
    Deliver,
    begin_phase,
    show,
    start_read,
    start_write,
    with_client,
)
from spec.register.params import RegisterParams
from spec.register.properties import INVARIANTS, SOMETIMES, STEP_PROPERTIES, check_step
from spec.register.state import INITIAL, Answer, Client, Copy, Kind, Message, Phase, State


class RegisterModel:
    name = "read-impose-write-all register"
    invariants = INVARIANTS
    step_properties = STEP_PROPERTIES
    sometimes = SOMETIMES

    def __init__(self, params: RegisterParams) -> None:
        self.params = params.validated()
        self.quorum = self.params.quorum()
        self.faulty = self.params.faulty or 0
        self.stamped_by_writer = self.params.writers == "one"  # (1,N): no query phase
        self.writes = [self.params.writes_of(c) for c in range(self.params.clients)]
        self.reads = [self.params.reads_of(c) for c in range(self.params.clients)]

    def __reduce__(self) -> tuple[type[RegisterModel], tuple[RegisterParams]]:
        # Pickled (for Ray's actors) as its parameters: compiled, the class
        # has no pickling of its own (checker.native).
        return (type(self), (self.params,))

    def initial_states(self) -> Sequence[State]:
        p = self.params
        return (State((INITIAL,) * p.servers, (Client(),) * p.clients, frozenset(), INITIAL),)

    def actions(self, s: State) -> Sequence[Action]:
        found: list[Action] = []
        for c, client in enumerate(s.clients):
            if client.phase != Phase.IDLE:
                continue
            if client.writes_done < self.writes[c]:
                found.append(ClientStartWrite(c))
            if client.reads_done < self.reads[c]:
                found.append(ClientStartRead(c))
        found.extend(Deliver(m) for m in sorted(s.network))
        return found

    def next_state(self, s: State, action: Action) -> State:
        if isinstance(action, ClientStartWrite):
            return start_write(s, action.client, self.stamped_by_writer)
        if isinstance(action, ClientStartRead):
            return start_read(s, action.client)
        # One State is built per step (not one per changed field): the model's
        # time goes to building states (README, "Compiled modules").
        m = action.message
        network = s.network - {m}
        if m.kind == Kind.WRITE:
            return self._server_receive_write(s, network, m)
        if m.kind == Kind.QUERY:
            reply = Message(Kind.REPLY, m.client, m.server, m.op, m.phase, s.stores[m.server])
            return State(s.stores, s.clients, network | {reply}, s.linearized)
        return self._client_receive(s, network, m)

    def _server_receive_write(self, s: State, network: frozenset[Message], m: Message) -> State:
        """The server keeps the higher stamp, and acks a phase that is still live."""
        stores = s.stores
        if m.copy.stamp > stores[m.server].stamp:
            stores = (*stores[: m.server], m.copy, *stores[m.server + 1 :])
        client = s.clients[m.client]
        if client.op == m.op and client.phase == m.phase:
            network = network | {Message(Kind.ACK, m.client, m.server, m.op, m.phase, INITIAL)}
        return State(stores, s.clients, network, s.linearized)

    def _client_receive(self, s: State, network: frozenset[Message], m: Message) -> State:
        """A REPLY or ACK: counted once per server; at a quorum the phase ends."""
        c, client = m.client, s.clients[m.client]
        if client.op != m.op or client.phase != m.phase or client.answered >> m.server & 1:
            return State(s.stores, s.clients, network, s.linearized)  # its phase is over
        best = client.copy
        if m.kind == Kind.REPLY and m.copy.stamp > best.stamp:
            best = m.copy
        client = client.heard_from(m.server, best)
        if client.answered.bit_count() < self.quorum:
            return State(s.stores, with_client(s.clients, c, client), network, s.linearized)
        network = frozenset(  # the phase is over: its queries, replies and acks are dead
            x
            for x in network
            if x.kind == Kind.WRITE or x.client != c or x.op != m.op or x.phase != m.phase
        )
        return self._end_phase(State(s.stores, s.clients, network, s.linearized), c, client)

    def _end_phase(self, s: State, c: int, client: Client) -> State:
        phase, best = client.phase, client.copy
        if phase == Phase.WRITE_QUERY:
            counter = best.stamp[0] + 1
            writer = c + 1 if self.params.writer_id else 0
            copy = Copy((counter, writer), (counter, c + 1))
            return begin_phase(s, c, client.next_phase(Phase.WRITING, copy), Kind.WRITE)
        if phase == Phase.QUERYING and self.params.impose:
            return begin_phase(s, c, client.next_phase(Phase.IMPOSING, best), Kind.WRITE)
        # An idle client keeps only its counts and the outcome of its last operation.
        wrote = phase == Phase.WRITING
        done = Client(
            op=client.op,
            writes_done=client.writes_done + int(wrote),
            reads_done=client.reads_done + int(not wrote),
            answer=Answer(not wrote, best),
        )
        linearized = best if best.stamp > s.linearized.stamp else s.linearized
        return State(s.stores, with_client(s.clients, c, done), s.network, linearized)

    def check_step(self, s: State, action: Action, nxt: State) -> tuple[str, str] | None:
        return check_step(s, action, nxt)

    def is_fair(self, s: State, action: Action) -> bool:
        return not isinstance(action, Deliver) or action.message.server >= self.faulty

    def is_quiescent(self, s: State) -> bool:
        return all(c.phase == Phase.IDLE for c in s.clients)

    def describe_action(self, action: Action) -> str:
        return str(action)

    def describe_state(self, s: State) -> Mapping[str, Any]:
        """One entry per node, so that a counterexample shows only the nodes a step changed."""
        view: dict[str, Any] = {f"s{i + 1}": show(copy) for i, copy in enumerate(s.stores)}
        for i, c in enumerate(s.clients):
            view[f"c{i + 1}"] = (
                f"{c.phase.name.lower()} op#{c.op} {show(c.copy)} {_show_answer(c.answer)}"
            )
        view["linearized"] = show(s.linearized)
        view["network"] = sorted(str(Deliver(m))[len("Deliver ") :] for m in s.network)
        return view


def _show_answer(answer: Answer | None) -> str:
    if answer is None:
        return "-"
    return f"{'read' if answer.read else 'wrote'} {show(answer.copy)}"
