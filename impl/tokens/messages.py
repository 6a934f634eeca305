"""Messages between nodes, in the vocabulary the specification uses.

Kinds: READ, READ_REPLY, WRITE, WRITE_ACK (client phases, each carrying its
phase tag) and SYNC_READ, SYNC_STATE, SYNC_WRITE, SYNC_ACK (the manager's
state transfer, each carrying an epoch). Entries are `(token, version, owner)`.

    >>> m = Message("READ", "c1", "s2", Tag("c1", 1, "read", 0), {"token": 7})
    >>> m.describe()
    'READ c1->s2 [c1#1 read e0] {"token": 7}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from impl.tokens.errors import BadMessage

CLIENT_KINDS = ("READ", "READ_REPLY", "WRITE", "WRITE_ACK")
SYNC_KINDS = ("SYNC_READ", "SYNC_STATE", "SYNC_WRITE", "SYNC_ACK")
KINDS = CLIENT_KINDS + SYNC_KINDS
TO_SERVER_KINDS = ("READ", "WRITE", "SYNC_READ", "SYNC_WRITE")  # the rest are replies
PHASES = ("read", "write", "write-back")

Entry = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Tag:
    """A client phase: which client, its op number (from 1), the phase, and the
    epoch of the configuration the phase uses. Replies carry their request's tag."""

    client: str
    op: int
    phase: str
    epoch: int

    def to_json(self) -> dict[str, Any]:
        return {"client": self.client, "op": self.op, "phase": self.phase, "epoch": self.epoch}

    def __str__(self) -> str:
        return f"{self.client}#{self.op} {self.phase} e{self.epoch}"


def server_end(kind: str, src: str, dst: str) -> str:
    """The server a message of this kind is sent to or answered by: the end
    whose faults may lose it, whatever role the other end has by now."""
    return dst if kind in TO_SERVER_KINDS else src


@dataclass(frozen=True, slots=True)
class Message:
    """One message. `id` is set by the network when it is sent (0 before).

    Payloads: READ {"token": t | None (all)}; READ_REPLY and WRITE
    {"entries": [(t, v, o), ...]}; WRITE_ACK {}; SYNC_READ {"epoch": e};
    SYNC_STATE {"epoch": e, "entries": [...]}; SYNC_WRITE {"epoch": e+1,
    "servers": [...], "entries": [...]}; SYNC_ACK {"epoch": e+1}."""

    kind: str
    src: str
    dst: str
    tag: Tag | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0

    @property
    def epoch(self) -> int:
        """The epoch a server compares with its own before handling this message."""
        if self.tag is not None:
            return self.tag.epoch
        return int(self.payload["epoch"])

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "src": self.src,
            "dst": self.dst,
            "tag": None if self.tag is None else self.tag.to_json(),
            "payload": _jsonable(self.payload),
        }

    def describe(self) -> str:
        tag = f" [{self.tag}]" if self.tag is not None else ""
        body = json.dumps(_jsonable(self.payload), separators=(", ", ": "))
        if len(body) > 80:
            body = body[:77] + "..."
        return f"{self.kind} {self.src}->{self.dst}{tag} {body}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def validate(msg: object) -> Message:
    """Check a message's shape before any node acts on it; raise BadMessage
    naming the bad field and what was expected. Returns the message."""
    if not isinstance(msg, Message):
        raise BadMessage(f"expected a Message, got {type(msg).__name__}: {msg!r:.80}")
    if msg.kind not in KINDS:
        raise BadMessage(f"kind: expected one of {', '.join(KINDS)}, got {msg.kind!r}")
    for name in ("src", "dst"):
        if not isinstance(getattr(msg, name), str):
            raise BadMessage(f"{name}: expected a node name, got {getattr(msg, name)!r}")
    payload = msg.payload
    if not isinstance(payload, Mapping):
        raise BadMessage(f"payload: expected a mapping, got {type(payload).__name__}")
    if msg.kind in CLIENT_KINDS:
        _check_tag(msg.tag)
    else:
        if msg.tag is not None:
            raise BadMessage(f"tag: {msg.kind} carries no phase tag, got {msg.tag!r}")
        _check_int(payload.get("epoch"), "payload.epoch", low=0)
    if msg.kind == "READ":
        token = payload.get("token", "missing")
        if token is not None:
            _check_int(token, "payload.token", low=0)
    if msg.kind in ("READ_REPLY", "WRITE", "SYNC_STATE", "SYNC_WRITE"):
        check_entries(payload.get("entries"), "payload.entries")
    if msg.kind == "SYNC_WRITE":
        servers = payload.get("servers")
        if not isinstance(servers, Sequence) or not all(isinstance(s, str) for s in servers):
            raise BadMessage(f"payload.servers: expected a list of node names, got {servers!r:.80}")
    return msg


def _check_tag(tag: object) -> None:
    if not isinstance(tag, Tag):
        raise BadMessage(f"tag: client messages carry a phase tag, got {tag!r:.80}")
    if not isinstance(tag.client, str):
        raise BadMessage(f"tag.client: expected a node name, got {tag.client!r}")
    _check_int(tag.op, "tag.op", low=1)
    if tag.phase not in PHASES:
        raise BadMessage(f"tag.phase: expected one of {', '.join(PHASES)}, got {tag.phase!r}")
    _check_int(tag.epoch, "tag.epoch", low=0)


def _check_int(value: object, name: str, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise BadMessage(f"{name}: expected an integer >= {low}, got {value!r:.80}")


def check_entries(entries: object, name: str) -> None:
    """Entries are a sequence of (token >= 0, version >= 1, owner name)."""
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise BadMessage(f"{name}: expected a list of (token, version, owner), got {entries!r:.80}")
    for i, entry in enumerate(entries):
        if not (isinstance(entry, Sequence) and len(entry) == 3):
            raise BadMessage(f"{name}[{i}]: expected (token, version, owner), got {entry!r:.80}")
        _check_int(entry[0], f"{name}[{i}].token", low=0)
        _check_int(entry[1], f"{name}[{i}].version", low=1)
        if not isinstance(entry[2], str):
            raise BadMessage(f"{name}[{i}].owner: expected a node name, got {entry[2]!r:.80}")
