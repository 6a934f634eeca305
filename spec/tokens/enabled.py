"""Which actions are enabled in a state, in a fixed order: client starts,
client restarts, the manager, then one delivery per deliverable message.

The guards of PROTOCOL.md live here: who may start what (the `ops` budget or
the scripted workload; only current clients as payee or owner), which role
changes are allowed (the bounds, the fault bound, the scripted transforms),
and the epoch rules that make a message deliverable, discardable, or wait.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Final

from spec.tokens.actions import (
    Action,
    ClientRestartPhase,
    ClientStartGettokens,
    ClientStartPay,
    Discard,
    ManagerStartTransform,
    ManagerTransformAtomic,
    Receive,
)
from spec.tokens.manager_steps import new_servers
from spec.tokens.params import Params
from spec.tokens.state import (
    IDLE,
    PAY,
    READ,
    SYNC_READ,
    TO_SERVER,
    WRITE,
    Client,
    Server,
    State,
)

# Compiled (checker.native), a class of another module is looked up by name
# at each use; a Final name is a C static. These run once a node and once a
# message of every state expanded.
_SERVER: Final = Server
_CLIENT: Final = Client


def enabled_actions(params: Params, s: State) -> list[Action]:
    actions: list[Action] = []
    nodes = s.nodes
    clients = [i for i, n in enumerate(nodes) if type(n) is _CLIENT]
    for c in clients:
        node = nodes[c]
        assert type(node) is _CLIENT
        if node.phase == IDLE:
            _starts(params, s, c, clients, actions)
        elif node.epoch < s.epoch:
            actions.append(ClientRestartPhase(c))
    if s.manager is None and s.reconfigs < params.reconfigs:
        _transforms(params, s, actions)
    for m in s.network:
        step = message_step(params, s, m)
        if step is not None:
            actions.append(step)
    return actions


def message_step(params: Params, s: State, m: tuple[Any, ...]) -> Receive | Discard | None:
    """What can happen to an in-flight message now: delivered, discarded by
    the epoch rule (or by a node that is no longer a server), or nothing (it
    waits for a newer epoch)."""
    # Typed locals: compiled, the tests below compare machine ints.
    kind: int = m[0]
    if kind not in TO_SERVER:
        return Receive(m)
    dst: int = m[2]
    server = s.nodes[dst]
    if type(server) is not _SERVER:
        return Discard(m)
    epoch: int = m[6]
    if kind in (READ, WRITE):
        if not params.epoch_check:
            return Receive(m) if server.store is not None else None
        if epoch < server.epoch:
            return Discard(m)
        if epoch == server.epoch and server.store is not None:
            return Receive(m)
        return None
    if kind == SYNC_READ:
        if epoch < server.epoch:
            return Discard(m)
        return Receive(m) if epoch == server.epoch else None
    # SYNC_WRITE
    if epoch <= server.epoch:
        return Discard(m)
    return Receive(m) if epoch == server.epoch + 1 else None


def _starts(params: Params, s: State, c: int, clients: list[int], out: list[Action]) -> None:
    done = s.started[c]
    if params.workload is not None:
        script = params.workload[c]
        if done < len(script):
            kind, token, target = script[done]
            # Operations name only current clients, and nobody pays itself.
            if target in clients and not (kind == PAY and target == c):
                out.append(
                    ClientStartPay(c, token, target)
                    if kind == PAY
                    else ClientStartGettokens(c, target)
                )
        return
    if done >= params.ops:
        return
    for token in range(params.tokens):
        for payee in clients:
            if payee != c:
                out.append(ClientStartPay(c, token, payee))
    for owner in clients:
        out.append(ClientStartGettokens(c, owner))


def _transforms(params: Params, s: State, out: list[Action]) -> None:
    if params.transforms is not None:
        candidates: tuple[int, ...] | range = (params.transforms[s.reconfigs],)
    else:
        candidates = range(params.nodes)
    for node in candidates:
        if not eligible(params, s, node):
            continue
        if not params.atomic:
            out.append(ManagerStartTransform(node))
            continue
        servers = new_servers(s, node)
        readable = [x for x in s.servers if s.nodes[x].epoch == s.epoch]
        writable = [
            x for x in servers if x == node or (x in s.servers and s.nodes[x].epoch == s.epoch)
        ]
        for read_quorum in combinations(readable, params.quorum(len(s.servers))):
            for write_quorum in combinations(writable, params.quorum(len(servers))):
                out.append(ManagerTransformAtomic(node, read_quorum, write_quorum))


def eligible(params: Params, s: State, node: int) -> bool:
    """May `node` change role now? A server leaves while n > min_servers; an
    idle client joins while n < max_servers; never past the fault bound."""
    n = len(s.servers)
    if node in s.servers:
        if n <= params.min_servers:
            return False
    else:
        current = s.nodes[node]
        if type(current) is not Client or current.phase != IDLE or n >= params.max_servers:
            return False
    return params.may_hold(new_servers(s, node))
