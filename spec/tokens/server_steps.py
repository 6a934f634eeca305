"""Server steps (PROTOCOL.md sections 1 to 3): answer a READ, apply a WRITE,
answer a SYNC_READ, apply a SYNC_WRITE, discard what is too old.

A store never goes back: a write is applied only if its version is higher
(mutant `overwrite` drops that test), and SYNC_WRITE merges (mutant
`sync-replace` replaces). No reply is created for a phase already complete.
"""

from __future__ import annotations

from spec.tokens.client_steps import set_node
from spec.tokens.params import Params
from spec.tokens.state import (
    CLIENT_CLASS,
    MANAGER_SYNC_READ,
    MANAGER_SYNC_WRITE,
    READ_REPLY,
    SERVER_CLASS,
    SYNC_ACK,
    SYNC_STATE,
    WRITE_ACK,
    Message,
    State,
    Store,
    Value,
    evolve,
    merge_store,
    new_server,
    with_messages,
    without_message,
)


def client_phase_live(s: State, client: int, opnum: int, phase: int, epoch: int) -> bool:
    """Is this client still in the phase a message is tagged with?"""
    c = s.nodes[client]
    return (
        type(c) is CLIENT_CLASS
        and c.phase == phase
        and c.epoch == epoch
        and s.started[client] == opnum
    )


def manager_phase_live(s: State, change: int, phase: int) -> bool:
    return s.manager is not None and s.manager.phase == phase and s.reconfigs == change


def server_store(s: State, server: int) -> Store:
    """The store of a server that handles a client's or the manager's read:
    one without a store (a joiner) is at an older epoch, and waits."""
    node = s.nodes[server]
    assert type(node) is SERVER_CLASS and node.store is not None, (
        "a read reaches a server with a store"
    )
    return node.store


def receive_read(params: Params, s: State, m: Message) -> State:
    """Reply with this server's (version, owner) for the tokens asked."""
    _, client, server, _, opnum, phase, epoch, tokens = m
    network = without_message(s.network, m)
    if client_phase_live(s, client, opnum, phase, epoch):
        store = server_store(s, server)
        values = tuple((t, *(store[t] or (0, 0))) for t in tokens)
        reply = (READ_REPLY, server, client, client, opnum, phase, epoch, values)
        network = with_messages(network, [reply])
    return evolve(s, s.nodes, network)


def receive_write(params: Params, s: State, m: Message) -> State:
    """Apply each value whose version is higher than the stored one; ack."""
    _, client, server, _, opnum, phase, epoch, _ = m
    values: tuple[Value, ...] = m[7]
    node = s.nodes[server]
    assert type(node) is SERVER_CLASS and node.store is not None, "WRITEs reach servers with stores"
    old: Store = node.store
    store: list[tuple[int, int] | None] | None = None  # a copy once a value applies
    overwrite = not params.version_check
    for token, version, owner in values:
        current = old[token] if store is None else store[token]
        if overwrite or current is None or version > current[0]:
            if store is None:
                store = list(old)
            store[token] = (version, owner)
    # A write that changes nothing (a write-back of what the store holds)
    # leaves the node itself: equal either way, and nothing to build or hash.
    nodes = (
        s.nodes
        if store is None
        else set_node(s.nodes, server, new_server(node.epoch, tuple(store)))
    )
    network = without_message(s.network, m)
    if client_phase_live(s, client, opnum, phase, epoch):
        ack = (WRITE_ACK, server, client, client, opnum, phase, epoch, ())
        network = with_messages(network, [ack])
    return evolve(s, nodes, network)


def receive_sync_read(params: Params, s: State, m: Message) -> State:
    """Send this server's whole store to the manager."""
    _, manager, server, _, change, phase, epoch, _ = m
    network = without_message(s.network, m)
    if manager_phase_live(s, change, MANAGER_SYNC_READ):
        store = server_store(s, server)
        state = (SYNC_STATE, server, manager, manager, change, phase, epoch, store)
        network = with_messages(network, [state])
    return evolve(s, s.nodes, network)


def apply_sync(params: Params, store: Store | None, merged: Store | None) -> Store | None:
    """The store after a SYNC_WRITE carrying `merged` (None: carries nothing)."""
    if params.sync_replaces and merged is not None:
        return merged
    return merge_store(store, merged)


def receive_sync_write(params: Params, s: State, m: Message) -> State:
    """Merge the transferred state and enter the new epoch; ack."""
    _, manager, server, _, change, phase, epoch, (_, merged) = m
    node = s.nodes[server]
    assert type(node) is SERVER_CLASS, "SYNC_WRITE reaches servers"
    nodes = set_node(s.nodes, server, new_server(epoch, apply_sync(params, node.store, merged)))
    network = without_message(s.network, m)
    if manager_phase_live(s, change, MANAGER_SYNC_WRITE):
        ack = (SYNC_ACK, server, manager, manager, change, phase, epoch, ())
        network = with_messages(network, [ack])
    return evolve(s, nodes, network)


def discard(params: Params, s: State, m: Message) -> State:
    return evolve(s, s.nodes, without_message(s.network, m))
