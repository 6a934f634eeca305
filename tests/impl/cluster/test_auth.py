"""A malicious client changes nothing: forged writes, forged proofs, replays,
impersonation, and senders outside the configuration are refused and logged.

The attacker holds only its own key (c6's), as a client process would; it
speaks the wire format directly, skipping every client-side check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence

import grpc
import pytest

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, load_keys
from impl.cluster.codec import decode, encode
from impl.cluster.layout import Layout
from impl.cluster.ownership import REPLY_RPC
from impl.cluster.wire_pb2_grpc import TokenNodeStub
from impl.tokens.messages import Message, Tag
from tests.impl.cluster.conftest import start, stop_everything

SERVERS = ("s1", "s2", "s3")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = start(tmp_path_factory.mktemp("auth"))
    try:
        yield layout
    finally:
        stop_everything(layout)


class Wire:
    """A raw speaker of the wire format, with the keys it is given."""

    def __init__(self, layout: Layout, keys: dict[str, bytes]) -> None:
        self.layout = layout
        self.keys = Keys(keys)
        self.channels: dict[str, grpc.Channel] = {}

    def stub(self, server: str) -> TokenNodeStub:
        if server not in self.channels:
            run = self.layout.read_run(server)
            assert run is not None
            self.channels[server] = grpc.insecure_channel(f"127.0.0.1:{run['port']}")
        return TokenNodeStub(self.channels[server])  # type: ignore[no-untyped-call]  # generated

    def frame(self, msg: Message, signer: str, proofs: Sequence[wire.Frame] = ()) -> wire.Frame:
        body = encode(msg, 1, proofs).SerializeToString()
        return self.keys.sign(signer, msg.dst, "Deliver", body)

    def deliver(self, server: str, frame: wire.Frame) -> wire.Outcome:
        outcome: wire.Outcome = self.stub(server).Deliver(frame, timeout=10)
        return outcome

    def read(self, client: str, op: int, token: int | None, server: str) -> wire.Frame:
        msg = Message("READ", client, server, Tag(client, op, "read", 0), {"token": token})
        outcome = self.deliver(server, self.frame(msg, client))
        assert outcome.status == "ok", outcome.detail
        return outcome.reply

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def stores(layout: Layout) -> dict[str, object]:
    from impl.cluster.operator import Operator

    operator = Operator(layout)
    try:
        return {s: operator.store(s) for s in SERVERS}
    finally:
        operator.close()


def write(client: str, server: str, op: int, entries: list[tuple[int, int, str]]) -> Message:
    return Message("WRITE", client, server, Tag(client, op, "write", 0), {"entries": entries})


@pytest.fixture()
def attacker(cluster: Layout) -> Iterator[Wire]:
    w = Wire(cluster, load_keys(cluster.root / "keys", ["c6"]))
    yield w
    w.close()


def refused_everywhere(w: Wire, make: object) -> list[str]:
    details = []
    for s in SERVERS:
        outcome = w.deliver(s, make(s))  # type: ignore[operator]
        assert outcome.status == "refused", (s, outcome)
        details.append(outcome.detail)
    return details


def test_a_write_without_proof_of_ownership_is_refused(cluster: Layout, attacker: Wire) -> None:
    before = stores(cluster)
    # token 0 belongs to c1; c6 writes version 2 to itself, with no proofs
    details = refused_everywhere(
        attacker, lambda s: attacker.frame(write("c6", s, 1, [(0, 2, "c6")]), "c6")
    )
    assert "no server-signed read reply" in details[0]
    assert stores(cluster) == before


def test_real_read_replies_do_not_let_a_client_pay_what_it_does_not_own(
    cluster: Layout, attacker: Wire
) -> None:
    before = stores(cluster)
    proofs = [attacker.read("c6", 7, 0, s) for s in SERVERS]  # genuine: they show (0, 1, c1)
    details = refused_everywhere(
        attacker, lambda s: attacker.frame(write("c6", s, 7, [(0, 2, "c6")]), "c6", proofs)
    )
    assert "owning version 1" in details[0]
    # nor a write-back of a value no server holds
    refused_everywhere(
        attacker, lambda s: attacker.frame(write("c6", s, 7, [(0, 9, "c6")]), "c6", proofs)
    )
    assert stores(cluster) == before


def test_a_forged_proof_is_refused(cluster: Layout, attacker: Wire) -> None:
    before = stores(cluster)
    fake_reply = Message(
        "READ_REPLY", "s1", "c6", Tag("c6", 8, "read", 0), {"entries": [(0, 1, "c6")]}
    )
    body = encode(fake_reply, 1).SerializeToString()
    signed_by_c6_as_s1 = wire.Frame(
        sender="s1", receiver="c6", rpc=REPLY_RPC, nonce_time=1, nonce=b"x" * 16, body=body
    )
    signed_by_c6_as_s1.mac = attacker.keys.sign("c6", "c6", REPLY_RPC, body).mac
    own = attacker.keys.sign("c6", "c6", REPLY_RPC, encode(
        Message("READ_REPLY", "c6", "c6", Tag("c6", 8, "read", 0), {"entries": [(0, 1, "c6")]}), 1
    ).SerializeToString())  # fmt: skip
    for proofs in ([signed_by_c6_as_s1], [own]):
        refused_everywhere(
            attacker, lambda s, p=proofs: attacker.frame(write("c6", s, 8, [(0, 2, "c6")]), "c6", p)
        )
    assert stores(cluster) == before


def test_another_clients_proofs_are_refused(cluster: Layout, attacker: Wire) -> None:
    before = stores(cluster)
    c1 = Wire(cluster, load_keys(cluster.root / "keys", ["c1"]))
    proofs = [c1.read("c1", 500, 0, s) for s in SERVERS]  # c1's replies: c1 owns token 0
    c1.close()
    refused_everywhere(
        attacker, lambda s: attacker.frame(write("c6", s, 500, [(0, 2, "c6")]), "c6", proofs)
    )
    assert stores(cluster) == before


def test_impersonation_is_refused(cluster: Layout, attacker: Wire) -> None:
    before = stores(cluster)

    def as_c1(s: str) -> wire.Frame:
        msg = write("c1", s, 1, [(0, 2, "c6")])
        frame = attacker.frame(msg, "c6")
        frame.sender = "c1"  # claims to be c1, signed with c6's key
        return frame

    details = refused_everywhere(attacker, as_c1)
    assert "bad signature" in details[0]
    # signed honestly by c6 but in c1's name
    details = refused_everywhere(
        attacker, lambda s: attacker.frame(write("c1", s, 1, [(0, 2, "c6")]), "c6")
    )
    assert "in the name of c1" in details[0]
    assert stores(cluster) == before


def test_a_replayed_request_is_refused_here_and_elsewhere(cluster: Layout) -> None:
    c1 = Wire(cluster, load_keys(cluster.root / "keys", ["c1"]))
    proofs = [c1.read("c1", 900, 6, s) for s in SERVERS]
    version = max(decode(p.body)[0].payload["entries"][0][1] for p in proofs)
    msg = write("c1", "s1", 900, [(6, version + 1, "c2")])
    captured = c1.frame(msg, "c1", proofs)
    assert c1.deliver("s1", captured).status == "ok"  # the genuine request
    before = stores(cluster)
    again = c1.deliver("s1", captured)
    assert (again.status, "replayed nonce" in again.detail) == ("refused", True)
    elsewhere = c1.deliver("s2", captured)  # addressed to s1
    assert elsewhere.status == "refused" and "not s2/Deliver" in elsewhere.detail
    tampered = wire.Frame()
    tampered.CopyFrom(captured)
    tampered.nonce = secrets.token_bytes(16)  # a fresh nonce breaks the MAC
    assert c1.deliver("s1", tampered).status == "refused"
    c1.close()
    assert stores(cluster) == before


def test_senders_outside_the_configuration_are_refused(cluster: Layout, attacker: Wire) -> None:
    before = stores(cluster)
    stranger = Wire(cluster, {"c9": secrets.token_bytes(32)})
    msg = Message("READ", "c9", "s1", Tag("c9", 1, "read", 0), {"token": 0})
    outcome = stranger.deliver("s1", stranger.frame(msg, "c9"))
    assert outcome.status == "refused" and "not a node of this cluster" in outcome.detail
    stranger.close()
    # a client may not send the manager's SYNC_WRITE
    sync = Message(
        "SYNC_WRITE", "c6", "s1", None, {"epoch": 1, "servers": ["s1"], "entries": [(0, 5, "c6")]}
    )
    outcome = attacker.deliver("s1", attacker.frame(sync, "c6"))
    assert outcome.status == "refused" and "only the manager" in outcome.detail
    # a current server may not act as a client
    s2 = Wire(cluster, load_keys(cluster.root / "keys", ["s2"]))
    msg = Message("READ", "s2", "s1", Tag("s2", 1, "read", 0), {"token": 0})
    outcome = s2.deliver("s1", s2.frame(msg, "s2"))
    assert outcome.status == "refused" and "is a server of epoch 0" in outcome.detail
    s2.close()
    # a phase of an epoch that was never installed would only be held: refused
    msg = Message("READ", "c6", "s1", Tag("c6", 1, "read", 99), {"token": 0})
    outcome = attacker.deliver("s1", attacker.frame(msg, "c6"))
    assert outcome.status == "refused" and "never installed" in outcome.detail
    assert stores(cluster) == before


def test_refusals_are_logged(cluster: Layout) -> None:
    log = cluster.log("s1").read_text()
    assert "refused: bad signature on a frame from c1" in log
    assert "refused: replayed nonce" in log
