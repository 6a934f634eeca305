"""Schneider's state machine replication with Lamport clocks as a
checkable model.

    >>> from checker.explore import explore
    >>> explore(SmrModel(SmrParams(replicas=1, clients=1))).verdict.value
    'verified'

Clients send each request to every replica themselves (the "bush"
broadcast) over FIFO reliable links, one request at a time, stamped
(clock, client). A replica keeps received requests in timestamp order and
applies the first one once it is *stable*: from every client whose crash
notice has not arrived it has received a message stamped at least as late
(FIFO links then promise nothing earlier can come). It replies to the
client, stamped with its own clock, the largest it has received; the client
takes the first reply and advances its clock past the stamp.

Null messages: a client whose last message is not later than the latest
request stamped so far may send a null message stamped past it. This is the
model of a timer that fires while a client is idle: nulls beyond every
request stamp make nothing stable, so the model stops offering them there,
which keeps the state space finite.

Faults: a replica fail-stops (up to `replica_crashes` <= t-1): its input
is lost, its log stays for the properties, replies it sent are still
delivered; clients need not detect it, since they take the first reply of
any replica and a live one always replies. A client crashes: its failure
detector notice goes on each of its links after what it sent, and replies to
it are lost. Crashes are the only unfair steps; everything else a live
process does happens eventually.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checker.model import Invariant, Sometimes, StepProperty
from spec.smr import reduction
from spec.smr.actions import (
    Action,
    ClientCrash,
    ClientReceiveReply,
    ClientSendNull,
    ClientSendRequest,
    ReplicaCrash,
    ReplicaReceive,
)
from spec.smr.params import SmrParams
from spec.smr.properties import (
    agreement,
    causal_order,
    order,
    request_applied,
    validity,
)
from spec.smr.state import (
    Client,
    Kind,
    Message,
    Pending,
    Replica,
    Reply,
    Request,
    Stamp,
    State,
    join,
    sent_stamps,
)


def _put(items: tuple[Any, ...], i: int, item: Any) -> tuple[Any, ...]:
    return (*items[:i], item, *items[i + 1 :])


class SmrModel:
    name = "state machine replication with Lamport clocks"

    def __init__(self, params: SmrParams) -> None:
        self.params = p = params.validated()
        self.replica_crashes = p.replica_crashes or 0
        self.invariants = (
            Invariant("Agreement", agreement),
            Invariant("Order", order),
            Invariant("CausalOrder", causal_order),
            Invariant("Validity", validity),
        )
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes = (Sometimes("RequestApplied", request_applied),)

    def initial_states(self) -> Sequence[State]:
        t, k = self.params.replicas, self.params.clients
        zero = (0,) * k
        replica = Replica(True, zero, (False,) * k, (), (), zero)
        client = Client(True, 0, 0, 0, 0, zero)
        empty_links = tuple(((),) * t for _ in range(k))
        empty_replies = tuple(((),) * k for _ in range(t))
        return (State((replica,) * t, (client,) * k, empty_links, empty_replies, ((),) * k),)

    def actions(self, s: State) -> Sequence[Action]:
        p = self.params
        found: list[Action] = []
        horizon = _horizon(s)
        for c, client in enumerate(s.clients):
            if not client.live:
                continue
            if client.sent < p.requests and client.answered == client.sent:
                found.append(ClientSendRequest(c))
            if p.null_messages and horizon is not None and (client.last, c) < horizon:
                found.append(ClientSendNull(c))
        for r, replica in enumerate(s.replicas):
            if replica.live:
                found.extend(ReplicaReceive(r, c) for c in range(p.clients) if s.links[c][r])
        for c, client in enumerate(s.clients):
            if client.live:
                found.extend(ClientReceiveReply(c, r) for r in range(p.replicas) if s.replies[r][c])
        crashed = sum(not x.live for x in s.replicas)
        if crashed < self.replica_crashes:
            found.extend(ReplicaCrash(r) for r, x in enumerate(s.replicas) if x.live)
        if sum(not x.live for x in s.clients) < p.client_crashes:
            found.extend(ClientCrash(c) for c, x in enumerate(s.clients) if x.live)
        return found

    def next_state(self, s: State, action: Action) -> State:
        match action:
            case ClientSendRequest(c):
                return self._send_request(s, c)
            case ClientSendNull(c):
                return self._send_null(s, c)
            case ReplicaReceive(r, c):
                return self._receive(s, r, c)
            case ClientReceiveReply(c, r):
                return self._receive_reply(s, c, r)
            case ReplicaCrash(r):
                return self._crash_replica(s, r)
            case ClientCrash(c):
                return self._crash_client(s, c)
        raise AssertionError(action)

    def _broadcast(self, s: State, c: int, message: Message) -> tuple[tuple[Message, ...], ...]:
        """Client c's links with `message` appended on each one to a live replica."""
        return tuple(
            (*link, message) if s.replicas[r].live else link for r, link in enumerate(s.links[c])
        )

    def _send_request(self, s: State, c: int) -> State:
        """Client c stamps its next request with clock+1 and sends it to every replica."""
        client = s.clients[c]
        if not client.live or client.sent == self.params.requests or client.answered < client.sent:
            return s
        clock, seq = client.clock + 1, client.sent + 1
        seen = _put(client.seen, c, seq)
        message = Message(Kind.REQUEST, clock, seq, seen)
        sent = replace(client, clock=clock, sent=seq, last=clock, seen=seen)
        return replace(
            s,
            clients=_put(s.clients, c, sent),
            links=_put(s.links, c, self._broadcast(s, c, message)),
            requests=_put(s.requests, c, (*s.requests[c], Request(clock, client.seen))),
        )

    def _send_null(self, s: State, c: int) -> State:
        """Idle client c sends a null message stamped past every request stamped so far."""
        client, horizon = s.clients[c], _horizon(s)
        if not client.live or horizon is None or (client.last, c) >= horizon:
            return s
        clock = max(client.clock, horizon[0]) + 1
        message = Message(Kind.NULL, clock, 0, client.seen)
        sent = replace(client, clock=clock, last=clock)
        links = _put(s.links, c, self._broadcast(s, c, message))
        return replace(s, clients=_put(s.clients, c, sent), links=links)

    def _receive(self, s: State, r: int, c: int) -> State:
        """Replica r takes the first message on c's link, then applies every
        request that is stable, in timestamp order, replying to each client."""
        p, replica, link = self.params, s.replicas[r], s.links[c][r]
        if not replica.live or not link:
            return s
        m = link[0]
        links = _put(s.links, c, _put(s.links[c], r, link[1:]))
        if m.kind is Kind.CRASH:
            if p.detect_crashes:
                replica = replace(replica, gone=_put(replica.gone, c, True))
        else:
            replica = replace(replica, heard=_put(replica.heard, c, m.clock))
            if m.kind is Kind.REQUEST or not p.skip_nulls:
                replica = replace(
                    replica, pending=self._insert(replica.pending, Pending(m.clock, c, m.seq))
                )
        replica = replace(replica, seen=join(replica.seen, m.seen))
        replies = list(s.replies[r])
        while replica.pending and (not p.stability or self._stable(replica, replica.pending[0])):
            first = replica.pending[0]
            replica = replace(replica, pending=replica.pending[1:], log=(*replica.log, first[:2]))
            if first.seq and s.clients[first.client].live:
                reply = Reply(first.seq, max(replica.heard), replica.seen)
                replies[first.client] = (*replies[first.client], reply)
        return replace(
            s,
            replicas=_put(s.replicas, r, replica),
            links=links,
            replies=_put(s.replies, r, tuple(replies)),
        )

    def _insert(self, pending: tuple[Pending, ...], new: Pending) -> tuple[Pending, ...]:
        """Timestamp order; without the tiebreak, equal clocks keep arrival order."""
        if self.params.tiebreak:
            at = sum(1 for x in pending if (x.clock, x.client) < (new.clock, new.client))
        else:
            at = sum(1 for x in pending if x.clock <= new.clock)
        return (*pending[:at], new, *pending[at:])

    def _stable(self, replica: Replica, first: Pending) -> bool:
        """Every client not known to have crashed has sent something stamped
        at least as late as `first`: nothing earlier can still arrive."""
        for j, clock in enumerate(replica.heard):
            if replica.gone[j]:
                continue
            if self.params.tiebreak:
                if (clock, j) < (first.clock, first.client):
                    return False
            elif clock < first.clock:
                return False
        return True

    def _receive_reply(self, s: State, c: int, r: int) -> State:
        """Client c takes the first reply from replica r; the first reply to its
        outstanding request answers it, later copies are only read for their clock."""
        client, queue = s.clients[c], s.replies[r][c]
        if not client.live or not queue:
            return s
        reply = queue[0]
        clock = max(client.clock, reply.clock) if self.params.advance_clock else client.clock
        answered = client.answered + (reply.seq == client.answered + 1 <= client.sent)
        client = replace(client, clock=clock, answered=answered, seen=join(client.seen, reply.seen))
        replies = _put(s.replies, r, _put(s.replies[r], c, queue[1:]))
        return replace(s, clients=_put(s.clients, c, client), replies=replies)

    def _crash_replica(self, s: State, r: int) -> State:
        """Replica r fail-stops: what was on its way to it is lost."""
        if not s.replicas[r].live:
            return s
        replica = replace(s.replicas[r], live=False, pending=())
        links = tuple(_put(link, r, ()) for link in s.links)
        return replace(s, replicas=_put(s.replicas, r, replica), links=links)

    def _crash_client(self, s: State, c: int) -> State:
        """Client c crashes: each live replica learns it after c's last message."""
        if not s.clients[c].live:
            return s
        notice = Message(Kind.CRASH, 0, 0, (0,) * self.params.clients)
        replies = tuple(_put(queues, c, ()) for queues in s.replies)
        return replace(
            s,
            clients=_put(s.clients, c, replace(s.clients[c], live=False)),
            links=_put(s.links, c, self._broadcast(s, c, notice)),
            replies=replies,
        )

    def is_fair(self, s: State, action: Action) -> bool:
        return not isinstance(action, ReplicaCrash | ClientCrash)

    def is_quiescent(self, s: State) -> bool:
        """Every live client has its answers and every live replica has applied
        every request any client sent."""
        if any(c.live and c.answered < self.params.requests for c in s.clients):
            return False
        stamps = sent_stamps(s)
        return all(stamps <= set(r.log) for r in s.replicas if r.live)

    def ample(self, s: State, enabled: Sequence[Action]) -> list[int] | None:
        """Partial-order reduction (`--por`): see spec/smr/reduction.py."""
        return reduction.smr_ample(self, s, enabled)

    def is_visible(self, s: State, action: Action) -> bool:
        return reduction.is_visible(self, s, action)

    def describe_action(self, action: Action) -> str:
        return str(action)

    def describe_state(self, s: State) -> Mapping[str, Any]:
        """Flat: one entry per process, and the messages in flight as a list."""
        view: dict[str, Any] = {}
        for i, x in enumerate(s.replicas):
            view[f"r{i + 1}"] = (
                f"{'live' if x.live else 'CRASHED'} log [{_stamps(x.log)}]"
                f" pending [{_stamps(p[:2] for p in x.pending)}] heard {list(x.heard)}"
                + (
                    f" knows crashed {[f'c{j + 1}' for j, g in enumerate(x.gone) if g]}"
                    if any(x.gone)
                    else ""
                )
            )
        for i, c in enumerate(s.clients):
            view[f"c{i + 1}"] = (
                f"{'live' if c.live else 'CRASHED'} clock {c.clock} sent {c.sent}"
                f" answered {c.answered}"
            )
        view["network"] = [
            f"c{c + 1}->r{r + 1} {_message(m, c)}"
            for c, links in enumerate(s.links)
            for r, link in enumerate(links)
            for m in link
        ] + [
            f"r{r + 1}->c{c + 1} REPLY#{x.seq} @{x.clock}"
            for r, queues in enumerate(s.replies)
            for c, queue in enumerate(queues)
            for x in queue
        ]
        return view


def _horizon(s: State) -> Stamp | None:
    """The latest request stamp any client has sent."""
    stamps = sent_stamps(s)
    return max(stamps) if stamps else None


def _stamps(stamps: Any) -> str:
    return " ".join(f"{clock}.c{c + 1}" for clock, c in stamps)


def _message(m: Message, c: int) -> str:
    if m.kind is Kind.CRASH:
        return "CRASHED"
    name = f"REQ#{m.seq}" if m.kind is Kind.REQUEST else "NULL"
    return f"{name} {m.clock}.c{c + 1}"
