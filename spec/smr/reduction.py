"""Ample sets for SMR (`check model --protocol smr --por`): one narrow rule.

Agreement, Order, CausalOrder, Validity and RequestApplied read only the
replicas' logs and the ghost `requests`, so ClientReceiveReply (a client's
clock, answer count and ghost vector, and a reply queue) is invisible.
Every other action is declared visible: a delivery to a replica may apply
requests, a send records a request; declaring more than needed only costs
reduction, never soundness.

The rule: one ClientReceiveReply(c, r), once client c can never send,
crash or be sent to differently again, which is late in a run (every live
client has sent all its requests, no client crash is left, and c's last
message is stamped at or past every request, so it sends no null).

C1, what depends on ClientReceiveReply(c, r)? It pops the head of
replies[r][c] and sets c's clock to a max, its answered count (only the
first reply to its outstanding request counts) and its ghost vector to a
join. ClientSendRequest(c) and ClientSendNull(c) read those (disabled for
ever, by the rule's conditions); ClientCrash(c) empties the queue (none
left). ClientReceiveReply(c, r') commutes with it: max and join commute,
and both orders count the answer once (a client has at most one request
outstanding). ReplicaReceive(r, x) appends to replies[r][c], which commutes
with popping the head of a non-empty queue, and reads only whether c is
live (it stays live). ReplicaCrash leaves sent replies alone. So no action
dependent on it can be taken before it.

Where it does not apply, and why no broader rule is shipped: a delivery to
a replica may apply requests (visible), and two deliveries to one replica
do not commute (the reply is stamped with the replica's largest clock heard
when it applies, and without the tiebreak equal clocks keep arrival order);
a reply delivered while its client may still send changes the next stamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spec.smr.actions import ClientReceiveReply, ReplicaReceive
from spec.smr.state import State, sent_stamps


def smr_ample(model: Any, s: State, enabled: Sequence[Any]) -> list[int] | None:
    """The first rule that applies: a reply (`_reply_ample`), else every
    delivery to one replica (`_replica_ample`)."""
    found = _reply_ample(model, s, enabled)
    return found if found is not None else _replica_ample(model, s, enabled)


def _reply_ample(model: Any, s: State, enabled: Sequence[Any]) -> list[int] | None:
    p = model.params
    if sum(not c.live for c in s.clients) < p.client_crashes:
        return None  # a client may still crash
    if any(c.live and c.sent < p.requests for c in s.clients):
        return None  # a client may still send a request, moving the horizon
    stamps = sent_stamps(s)
    horizon = max(stamps) if stamps else None
    for index, action in enumerate(enabled):
        if not isinstance(action, ClientReceiveReply):
            continue
        client = s.clients[action.client]
        if p.null_messages and horizon is not None and (client.last, action.client) < horizon:
            continue  # it may still send a null stamped from its clock
        return [index]
    return None


def _replica_ample(model: Any, s: State, enabled: Sequence[Any]) -> list[int] | None:
    """Every delivery to one replica r, when none of them applies anything,
    no replica may crash any more, and every client's link to r holds a
    message or never will again (the client crashed and its link is empty).

    C1: what depends on ReplicaReceive(r, c)? Another delivery to r (the
    same replica's state): all that can ever be enabled are in the set,
    since every link to r that can still carry a message carries one now.
    ReplicaCrash(r) disables it: none is left. A client's send or crash
    notice appends to the link, which commutes with taking the head of a
    non-empty link. The delivery applies nothing, so it adds no reply and
    reads no client's liveness; it changes only r, r's link from c and r's
    ghost vector, which no action outside the set reads or writes. Moved
    past such steps, it still applies nothing (it reads only r and the
    head of its link), so it stays invisible."""
    p, replicas = model.params, s.replicas
    if sum(not x.live for x in replicas) < model.replica_crashes:
        return None  # a replica may still crash
    for r, replica in enumerate(replicas):
        if not replica.live:
            continue
        if any(not s.links[c][r] and s.clients[c].live for c in range(p.clients)):
            continue  # a live client may still send to r
        picks = [
            i for i, a in enumerate(enabled) if isinstance(a, ReplicaReceive) and a.replica == r
        ]
        if picks and not any(_applies(model, s, enabled[i]) for i in picks):
            return picks
    return None


def _applies(model: Any, s: State, action: ReplicaReceive) -> bool:
    r = action.replica
    return bool(model.next_state(s, action).replicas[r].log != s.replicas[r].log)


def is_visible(model: Any, s: State, action: Any) -> bool:
    """A reply is never visible; a delivery to a replica is when it applies
    a request (it reads only that replica and its link, so the answer holds
    wherever it is moved past independent steps); the rest is declared
    visible."""
    if isinstance(action, ClientReceiveReply):
        return False
    if isinstance(action, ReplicaReceive):
        return _applies(model, s, action)
    return True
