"""The client transport keeps the proofs of its current operation, whatever the
order in which replies of older operations arrive."""

from __future__ import annotations

from pathlib import Path

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys
from impl.cluster.lamport import LamportRecorder
from impl.cluster.layout import Layout
from impl.cluster.transport import RpcTransport
from impl.tokens.messages import Message, Tag


def reply(op: int, server: str) -> Message:
    return Message("READ_REPLY", server, "c1", Tag("c1", op, "read", 0), {"entries": []})


def test_a_late_reply_of_an_older_operation_keeps_the_current_proofs(tmp_path: Path) -> None:
    transport = RpcTransport(
        lambda: None,  # type: ignore[arg-type, return-value]
        Layout(tmp_path),
        Keys({"c1": b"k" * 32}),
        LamportRecorder("c1"),
    )
    frames = {name: wire.Frame(sender=name) for name in ("s1", "s2", "s3")}
    transport._keep_proof(reply(2, "s1"), frames["s1"])
    transport._keep_proof(reply(1, "s3"), frames["s3"])  # late: op 1 is over
    transport._keep_proof(reply(2, "s2"), frames["s2"])
    write = Message("WRITE", "c1", "s1", Tag("c1", 2, "write", 0), {"entries": []})
    assert [f.sender for f in transport._proofs_for(write)] == ["s1", "s2"]
    transport._keep_proof(reply(3, "s1"), frames["s1"])  # the next operation starts
    assert transport._proofs_for(write) == []
    transport.stop()
