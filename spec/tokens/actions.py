"""The model's actions: small frozen records named actor plus verb.

Each prints as one trace line through `describe(action, names)`, e.g.

    ClientStartPay c1: pay(0, c2)
    ServerReceiveRead: READ c1->s2 [c1#1 read e0] tokens 0
    ManagerTransformAtomic: c2 joins; read {s1,s2} write {s2,s3,c2}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Receive and Discard are compiled records of their own module (see there),
# named here with the other actions.
from spec.tokens.delivery import RECEIVER_VERBS as RECEIVER_VERBS
from spec.tokens.delivery import Discard as Discard
from spec.tokens.delivery import Receive as Receive
from spec.tokens.state import (
    KIND_NAMES,
    NOT_OWNER,
    OK,
    PHASE_NAMES,
    READ,
    READ_REPLY,
    SYNC_STATE,
    SYNC_WRITE,
    WRITE,
    WRITE_ACK,
    Message,
)


@dataclass(frozen=True, slots=True)
class ClientStartPay:
    client: int
    token: int
    payee: int


@dataclass(frozen=True, slots=True)
class ClientStartGettokens:
    client: int
    owner: int


@dataclass(frozen=True, slots=True)
class ClientRestartPhase:
    """A newer configuration is installed: redo the phase with its servers."""

    client: int


@dataclass(frozen=True, slots=True)
class ManagerStartTransform:
    node: int


@dataclass(frozen=True, slots=True)
class ManagerTransformAtomic:
    """A whole role change in one step (reconfig=atomic)."""

    node: int
    read_quorum: tuple[int, ...]
    write_quorum: tuple[int, ...]


Action = (
    ClientStartPay
    | ClientStartGettokens
    | ClientRestartPhase
    | Receive
    | Discard
    | ManagerStartTransform
    | ManagerTransformAtomic
)


def action_name(action: Action) -> str:
    if isinstance(action, Receive):
        return action.name
    if isinstance(action, Discard):
        return "NodeDiscardMessage"
    return type(action).__name__


def format_set(ids: tuple[int, ...], names: tuple[str, ...]) -> str:
    return "{" + ",".join(names[i] for i in ids) + "}"


def format_store(store: Any, names: tuple[str, ...]) -> str:
    if store is None:
        return "none"
    return " ".join(
        f"t{t}=missing" if entry is None else f"t{t}=v{entry[0]}/{names[entry[1]]}"
        for t, entry in enumerate(store)
    )


def format_answer(answer: Any, names: tuple[str, ...]) -> str:
    """OK(v), NOT_OWNER(v, o) or TOKENS(t0=v2, ...), as PROTOCOL.md writes them."""
    kind, values = answer
    if kind == OK:
        return f"OK({values[0][1]})"
    if kind == NOT_OWNER:
        return f"NOT_OWNER({values[0][1]}, {names[values[0][2]]})"
    return "TOKENS(" + ", ".join(f"t{t}=v{v}" for t, v, _ in values) + ")"


def format_values(values: Any, names: tuple[str, ...]) -> str:
    return " ".join(f"t{t}=v{v}/{names[o]}" for t, v, o in values)


def format_message(m: Message, names: tuple[str, ...]) -> str:
    kind, src, dst, client, opnum, phase, epoch, payload = m
    head = f"{KIND_NAMES[kind]} {names[src]}->{names[dst]}"
    if kind in (READ, READ_REPLY, WRITE, WRITE_ACK):
        head += f" [{names[client]}#{opnum} {PHASE_NAMES[phase]} e{epoch}]"
    else:
        head += f" [change {opnum} e{epoch}]"
    if kind == READ:
        return f"{head} tokens {','.join(map(str, payload))}"
    if kind in (READ_REPLY, WRITE):
        return f"{head} {format_values(payload, names)}"
    if kind == SYNC_STATE:
        return f"{head} {format_store(payload, names)}"
    if kind == SYNC_WRITE:
        servers, merged = payload
        return f"{head} servers {format_set(servers, names)} {format_store(merged, names)}"
    return head


def describe(action: Action, names: tuple[str, ...]) -> str:
    """One readable trace line."""
    name = action_name(action)
    match action:
        case ClientStartPay(client, token, payee):
            return f"{name} {names[client]}: pay({token}, {names[payee]})"
        case ClientStartGettokens(client, owner):
            return f"{name} {names[client]}: gettokens({names[owner]})"
        case ClientRestartPhase(client):
            return f"{name} {names[client]}"
        case Receive(message) | Discard(message):
            return f"{name}: {format_message(message, names)}"
        case ManagerStartTransform(node):
            return f"{name} {names[node]}"
        case ManagerTransformAtomic(node, read_quorum, write_quorum):
            return (
                f"{name} {names[node]}: read {format_set(read_quorum, names)}"
                f" write {format_set(write_quorum, names)}"
            )
    raise TypeError(f"not a token-model action: {action!r}")


def message_record(m: Message, names: tuple[str, ...]) -> dict[str, Any]:
    """A message as JSON data, names instead of ids."""
    kind, src, dst, client, opnum, phase, epoch, payload = m
    record: dict[str, Any] = {
        "kind": KIND_NAMES[kind],
        "src": names[src],
        "dst": names[dst],
        "tag": {
            "client": names[client],
            "op": opnum,
            "phase": PHASE_NAMES[phase],
            "epoch": epoch,
        },
    }
    if kind == READ:
        record["tokens"] = list(payload)
    elif kind in (READ_REPLY, WRITE):
        record["values"] = [[t, v, names[o]] for t, v, o in payload]
    elif kind == SYNC_STATE:
        record["store"] = _store_record(payload, names)
    elif kind == SYNC_WRITE:
        record["servers"] = [names[i] for i in payload[0]]
        record["store"] = _store_record(payload[1], names)
    return record


def _store_record(store: Any, names: tuple[str, ...]) -> list[Any] | None:
    if store is None:
        return None
    return [None if e is None else [e[0], names[e[1]]] for e in store]


def action_record(action: Action, names: tuple[str, ...]) -> dict[str, Any]:
    """An action as JSON data: its type, its fields, the message it delivers."""
    record: dict[str, Any] = {"type": action_name(action)}
    match action:
        case ClientStartPay(client, token, payee):
            record |= {"client": names[client], "token": token, "payee": names[payee]}
        case ClientStartGettokens(client, owner):
            record |= {"client": names[client], "owner": names[owner]}
        case ClientRestartPhase(client):
            record["client"] = names[client]
        case Receive(message) | Discard(message):
            record["message"] = message_record(message, names)
        case ManagerStartTransform(node):
            record["node"] = names[node]
        case ManagerTransformAtomic(node, read_quorum, write_quorum):
            record |= {
                "node": names[node],
                "read_quorum": [names[i] for i in read_quorum],
                "write_quorum": [names[i] for i in write_quorum],
            }
    return record
