"""Protocol messages to and from the wire format, refusing what does not parse.

The node code of impl/tokens speaks `Message` (kind, src, dst, tag, payload);
this module maps it onto the protobuf `Message` of wire.proto and back, and
validates the result with impl/tokens' own `validate`, so a malformed frame is
refused before any node sees it.

    >>> from impl.tokens.messages import Message, Tag
    >>> m = Message("READ", "c1", "s1", Tag("c1", 1, "read", 0), {"token": 3}, id="c1.1")
    >>> decode(encode(m, lamport=5).SerializeToString())[0] == m
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from google.protobuf.message import DecodeError

from impl.cluster import wire_pb2 as wire
from impl.cluster.errors import BadFrame
from impl.tokens.errors import BadMessage
from impl.tokens.messages import Message, Tag, validate

MAX_BODY = 256 * 1024  # a whole store of 60 tokens is ~1 KiB; proofs are a few stores
MAX_NAME = 32


def named(msg: Message, ident: str) -> Message:
    """`msg` with a cluster-wide id: the sender's name and its counter ("c1.7").
    impl/tokens numbers messages with one int per system; processes cannot share one."""
    return replace(msg, id=ident)  # type: ignore[arg-type]


def encode(msg: Message, lamport: int = 0, proofs: Iterable[wire.Frame] = ()) -> wire.Message:
    p = msg.payload
    out = wire.Message(kind=msg.kind, src=msg.src, dst=msg.dst, lamport=lamport, id=str(msg.id))
    if msg.tag is not None:
        t = msg.tag
        out.tag.CopyFrom(wire.Tag(client=t.client, op=t.op, phase=t.phase, epoch=t.epoch))
    if msg.kind == "READ":
        out.all_tokens = p["token"] is None
        out.token = 0 if p["token"] is None else p["token"]
    for t, v, o in p.get("entries", ()):
        out.entries.append(wire.Entry(token=t, version=v, owner=o))
    if "epoch" in p:
        out.epoch = p["epoch"]
    out.servers.extend(p.get("servers", ()))
    out.proofs.extend(proofs)
    return out


def parse(body: bytes, kind: type[Any]) -> Any:
    """A protobuf message of `kind` from bytes: no truncation, no unknown fields."""
    if len(body) > MAX_BODY:
        raise BadFrame(f"body of {len(body)} bytes, more than {MAX_BODY}")
    try:
        out = kind.FromString(body)
    except (DecodeError, ValueError, RuntimeError) as error:
        raise BadFrame(f"body does not parse as {kind.__name__}: {error}") from error
    size = out.ByteSize()
    out.DiscardUnknownFields()
    if out.ByteSize() != size:
        raise BadFrame(f"{kind.__name__} carries unknown fields")
    return out


def decode(body: bytes) -> tuple[Message, wire.Message]:
    """The node-level Message of a wire body, validated; and the wire message."""
    w: wire.Message = parse(body, wire.Message)
    for name in (w.src, w.dst, w.id, w.tag.client, *w.servers, *(e.owner for e in w.entries)):
        if len(name) > MAX_NAME:
            raise BadFrame(f"node name of {len(name)} characters, at most {MAX_NAME}")
    payload: dict[str, Any] = {}
    kind = w.kind
    if kind == "READ":
        payload["token"] = None if w.all_tokens else w.token
    if kind in ("READ_REPLY", "WRITE", "SYNC_STATE", "SYNC_WRITE"):
        payload["entries"] = [(e.token, e.version, e.owner) for e in w.entries]
    if kind in ("SYNC_READ", "SYNC_STATE", "SYNC_WRITE", "SYNC_ACK"):
        payload["epoch"] = w.epoch
    if kind == "SYNC_WRITE":
        payload["servers"] = list(w.servers)
    tag = None
    if w.HasField("tag"):
        tag = Tag(w.tag.client, w.tag.op, w.tag.phase, w.tag.epoch)
    try:
        msg = validate(named(Message(kind, w.src, w.dst, tag, payload), w.id))
    except BadMessage as error:
        raise BadFrame(str(error)) from error
    return msg, w
