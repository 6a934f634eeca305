"""The server-side owner check: a WRITE must carry the server-signed READ
replies of its own read phase, and every entry it writes must follow from them.

An entry (t, v, o) is accepted if a signed reply shows (t, v-1, sender): the
sender owned version v-1, so it alone may write v (a pay); or if a signed reply
shows (t, v, o) itself (a write-back of a value read). A reply counts if its
MAC verifies under the key of a server of the reply's epoch and it answers
this sender's operation (tag.client and tag.op). Servers never lie, so one
such reply is proof; a client can neither forge one (it lacks the server's
key) nor borrow another client's (the tag names that client).
"""

from __future__ import annotations

from collections.abc import Callable

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys
from impl.cluster.codec import decode
from impl.cluster.errors import BadFrame, Unauthenticated
from impl.tokens.messages import Entry, Message

REPLY_RPC = "Reply"

ServersOf = Callable[[int], "list[str] | None"]


def attested(
    msg: Message, proofs: list[wire.Frame], keys: Keys, servers_of: ServersOf
) -> set[Entry]:
    """The entries that valid proofs attached to `msg` show, as (t, v, o)."""
    assert msg.tag is not None
    shown: set[Entry] = set()
    for proof in proofs:
        try:
            keys.check_mac(proof)
            reply, _ = decode(proof.body)
        except (Unauthenticated, BadFrame):
            continue
        tag = reply.tag
        if (
            proof.rpc != REPLY_RPC
            or reply.kind != "READ_REPLY"
            or reply.src != proof.sender
            or tag is None
            or tag.client != msg.src
            or tag.op != msg.tag.op
            or tag.phase != "read"
            or proof.sender not in (servers_of(tag.epoch) or [])
        ):
            continue
        shown.update((t, v, o) for t, v, o in reply.payload["entries"])
    return shown


def check_write(msg: Message, proofs: list[wire.Frame], keys: Keys, servers_of: ServersOf) -> None:
    """Raise Unauthenticated unless every entry of the WRITE follows from its proofs."""
    shown = attested(msg, proofs, keys, servers_of)
    for t, v, o in msg.payload["entries"]:
        if (t, v, o) in shown or (t, v - 1, msg.src) in shown:
            continue
        raise Unauthenticated(
            f"WRITE of token {t} version {v} to {o} by {msg.src}: no server-signed read reply "
            f"of its operation shows {msg.src} owning version {v - 1} (or this exact value)"
        )
