"""A merged cluster trace (`check cluster merge`) as the follower reads it.

Three things differ from a threaded trace; this module bridges the first two
and names the third (README "Trace conformance", cluster mapping):

- Message ids are strings `sender.lamport`: the follower keys on ids as they
  come, so they stay strings (the schema allows both).
- Every request is a unary call that returns its reply. When the caller gives
  up on a call after the server handled it (its command ended once a quorum
  answered, closing the channel), the caller records `dropped` for the
  *request*, which was in fact delivered: what was lost is the server's reply.
  Such an event is read as `dropped` of that reply (same server, client and
  tag), which the model simply never delivers.
- A killed server's process stops recording; restarted, it resumes from its
  durable store (every reply left after its commit), so its trace continues
  as if it had been a faulty server that lost the messages sent while it was
  down: those calls end in `dropped` with reason `unreachable: ...`.

    >>> evs = [(2, {"event": "sent", "id": "c1.1", "kind": "WRITE", "src": "c1",
    ...   "dst": "s1", "tag": {"op": 1}}),
    ...   (3, {"event": "sent", "id": "s1.2", "kind": "WRITE_ACK", "src": "s1",
    ...   "dst": "c1", "tag": {"op": 1}}),
    ...   (4, {"event": "delivered", "id": "c1.1", "kind": "WRITE", "src": "c1",
    ...   "dst": "s1", "tag": {"op": 1}}),
    ...   (5, {"event": "dropped", "id": "c1.1", "kind": "WRITE", "src": "c1",
    ...   "dst": "s1", "tag": {"op": 1}, "reason": "unreachable"})]
    >>> [(e["id"], e["kind"]) for _, e in cluster_events(iter(evs))][-1]
    ('s1.2', 'WRITE_ACK')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from checker.protocol import TraceEvent

MERGED_MODE = "cluster-merged"
_REPLY = {"READ": "READ_REPLY", "WRITE": "WRITE_ACK", "SYNC_READ": "SYNC_STATE",
          "SYNC_WRITE": "SYNC_ACK"}  # fmt: skip


def _key(src: Any, dst: Any, kind: Any, tag: Any) -> tuple[str, str, str, str]:
    return (str(src), str(dst), str(kind), json.dumps(tag, sort_keys=True))


def cluster_events(events: Iterator[TraceEvent]) -> Iterator[TraceEvent]:
    """The events, with a `dropped` request that was delivered read as the
    loss of its reply (see the module docstring). The caller may give up on a
    call before the server records its delivery (merged in real-time order,
    the drop comes first): a drop of a request not yet delivered waits, and is
    the request's loss only if the trace ends without its delivery."""
    delivered: set[Any] = set()
    replies: dict[tuple[str, str, str, str], Any] = {}  # (src, dst, kind, tag) -> reply id
    waiting: dict[Any, TraceEvent] = {}  # request id -> its drop, not yet delivered
    for line, e in events:
        name = e["event"]
        if name == "sent" and e["kind"] in _REPLY.values():
            replies[_key(e["src"], e["dst"], e["kind"], e["tag"])] = e["id"]
        elif name == "dropped" and e["kind"] in _REPLY and e["id"] not in delivered:
            waiting[e["id"]] = (line, e)
            continue
        elif name == "dropped" and e["kind"] in _REPLY:
            lost = _reply_lost(line, e, replies, delivered)
            if lost is not None:
                yield lost
            continue
        yield line, e
        if name == "delivered":
            delivered.add(e["id"])
            if e["id"] in waiting:
                lost = _reply_lost(*waiting.pop(e["id"]), replies, delivered)
                if lost is not None:
                    yield lost
    yield from waiting.values()


def _reply_lost(
    line: int,
    e: Any,
    replies: dict[tuple[str, str, str, str], Any],
    delivered: set[Any],
) -> TraceEvent | None:
    """A drop of a delivered request, as the loss of the server's reply (None:
    the server sent nothing back to lose)."""
    kind = _REPLY[e["kind"]]
    reply = replies.get(_key(e["dst"], e["src"], kind, e["tag"]))
    if reply is None or reply in delivered:
        return None
    delivered.add(reply)  # gone: a second drop of the same call loses nothing more
    return line, {**e, "id": reply, "kind": kind, "src": e["dst"], "dst": e["src"]}
