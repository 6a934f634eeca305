"""The configuration manager's steps (PROTOCOL.md section 3): start a role
change, collect SYNC_STATEs, collect SYNC_ACKs and install; or, with
reconfig=atomic, the whole change in one step with chosen quorums.
"""

from __future__ import annotations

from typing import Final

from spec.tokens.client_steps import set_node
from spec.tokens.params import Params, Transfer
from spec.tokens.server_steps import apply_sync
from spec.tokens.state import (
    IDLE_CLIENT,
    MANAGER_SYNC_READ,
    MANAGER_SYNC_WRITE,
    SERVER_CLASS,
    SYNC,
    SYNC_ACK,
    SYNC_READ,
    SYNC_STATE,
    SYNC_WRITE,
    Client,
    Manager,
    Message,
    Server,
    State,
    Store,
    installed,
    merge_store,
    new_server,
    popcount,
    with_messages,
    without_message,
    without_tag,
)

_SYNC_READ_MESSAGES: Final = frozenset((SYNC_READ, SYNC_STATE))
_SYNC_ACKS: Final = frozenset((SYNC_ACK,))


def new_servers(s: State, node: int) -> tuple[int, ...]:
    """The configuration after `node` leaves (a server) or joins (a client)."""
    if node in s.servers:
        return tuple(x for x in s.servers if x != node)
    return tuple(sorted((*s.servers, node)))


def initial_store(params: Params) -> Store:
    return tuple((1, params.initial_owner(t)) for t in range(params.tokens))


def _joiner(params: Params, epoch: int) -> Server:
    """A joining node: a server at epoch e without a store, from the start."""
    if params.transfer is Transfer.NONE:
        return new_server(epoch, initial_store(params))
    return new_server(epoch, None)


def _transferred(params: Params, merged: Store | None) -> Store | None:
    """What a SYNC_WRITE carries."""
    if params.transfer is Transfer.NONE:
        return None
    if params.transfer is Transfer.DELTA and merged is not None:
        return tuple(e if e is not None and e[0] > 1 else None for e in merged)
    return merged


def start_transform(params: Params, s: State, node: int) -> State:
    """Begin a change: the joiner becomes a server; SYNC_READ to epoch e."""
    servers = new_servers(s, node)
    nodes = s.nodes
    if len(servers) > len(s.servers):
        nodes = set_node(nodes, node, _joiner(params, s.epoch))
    change = s.reconfigs + 1
    mgr = params.manager
    reads = [(SYNC_READ, mgr, srv, mgr, change, SYNC, s.epoch, ()) for srv in s.servers]
    return s._replace(
        nodes=nodes,
        manager=Manager(MANAGER_SYNC_READ, node, servers, 0, None),
        network=with_messages(s.network, reads),
        reconfigs=change,
    )


def receive_sync_state(params: Params, s: State, m: Message) -> State:
    """Merge one server's store; at a quorum of epoch e, send SYNC_WRITE."""
    _, server, _, _, change, phase, epoch, store = m
    mgr = s.manager
    assert mgr is not None, "SYNC replies reach a manager in a change"
    answered = mgr.answered | 1 << server
    merged = merge_store(mgr.merged, store)
    network = without_message(s.network, m)
    if popcount(answered) < params.quorum(len(s.servers)):
        return s._replace(manager=mgr._replace(answered=answered, merged=merged), network=network)
    network = without_tag(network, _SYNC_READ_MESSAGES, (params.manager, change, phase, epoch))
    payload = (mgr.servers, _transferred(params, merged))
    man = params.manager
    writes = [(SYNC_WRITE, man, srv, man, change, SYNC, epoch + 1, payload) for srv in mgr.servers]
    return s._replace(
        manager=Manager(MANAGER_SYNC_WRITE, mgr.target, mgr.servers, 0, merged),
        network=with_messages(network, writes),
    )


def receive_sync_ack(params: Params, s: State, m: Message) -> State:
    """One more new server is in epoch e+1; at a quorum of them, install."""
    _, server, _, _, change, phase, epoch, _ = m
    mgr = s.manager
    assert mgr is not None, "SYNC replies reach a manager in a change"
    answered = mgr.answered | 1 << server
    network = without_message(s.network, m)
    if popcount(answered) < params.quorum(len(mgr.servers)):
        return s._replace(manager=mgr._replace(answered=answered), network=network)
    network = without_tag(network, _SYNC_ACKS, (params.manager, change, phase, epoch))
    return _install(s._replace(network=network), mgr.target, mgr.servers)


def _install(s: State, node: int, servers: tuple[int, ...]) -> State:
    """Install (e+1, servers); a leaving node becomes an idle client."""
    nodes = s.nodes
    if node not in servers:
        nodes = set_node(nodes, node, IDLE_CLIENT)
    return installed(s, s.epoch + 1, servers, nodes, s.network, s.reconfigs)


def _server(nodes: tuple[Server | Client, ...], node: int) -> Server:
    server = nodes[node]
    assert type(server) is SERVER_CLASS, "quorums are made of servers"
    return server


def transform_atomic(
    params: Params,
    s: State,
    node: int,
    read_quorum: tuple[int, ...],
    write_quorum: tuple[int, ...],
) -> State:
    """Read q(n) stores of epoch e, write the merge to q(n') new servers,
    leave a SYNC_WRITE for the others, install: one step."""
    servers = new_servers(s, node)
    nodes = s.nodes
    if len(servers) > len(s.servers):
        nodes = set_node(nodes, node, _joiner(params, s.epoch))
    merged: Store | None = None
    for srv in read_quorum:
        merged = merge_store(merged, _server(nodes, srv).store)
    payload_store = _transferred(params, merged)
    epoch = s.epoch + 1
    for srv in write_quorum:
        nodes = set_node(
            nodes,
            srv,
            new_server(epoch, apply_sync(params, _server(nodes, srv).store, payload_store)),
        )
    change = s.reconfigs + 1
    man = params.manager
    payload = (servers, payload_store)
    writes = [
        (SYNC_WRITE, man, srv, man, change, SYNC, epoch, payload)
        for srv in servers
        if srv not in write_quorum
    ]
    if node not in servers:
        nodes = set_node(nodes, node, IDLE_CLIENT)
    # What _install does, built once: the hot step of atomic configurations.
    return installed(s, epoch, servers, nodes, with_messages(s.network, writes), change)
