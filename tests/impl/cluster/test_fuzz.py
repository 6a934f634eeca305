"""10,000 malformed frames at a live server: every one is refused with an
error, the server keeps running, and nothing changes."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, load_keys
from impl.cluster.client import ClusterClient
from impl.cluster.codec import encode
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.cluster.spawn import alive
from impl.tokens.messages import Message, Tag
from impl.tokens.operations import NotOwner, Ok
from tests.impl.cluster.conftest import start, stop_everything

FRAMES = 10_000  # the slow test; the fast one sends FAST_FRAMES
FAST_FRAMES = 1_000
METHOD = "/tokencheck.cluster.TokenNode/Deliver"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = start(tmp_path_factory.mktemp("fuzz"))
    try:
        yield layout
    finally:
        stop_everything(layout)


def _valid_body(rng: random.Random) -> bytes:
    token = rng.randrange(60)
    msg = Message("READ", "c1", "s1", Tag("c1", 1, "read", 0), {"token": token})
    w = encode(msg, 1)
    w.id = "c1.123456"  # the last field: a cut of 1..5 bytes lands inside it
    body: bytes = w.SerializeToString()  # protobuf messages are untyped here
    return body


def _bad_bodies(rng: random.Random) -> list[Callable[[], bytes]]:
    def truncated() -> bytes:
        body = _valid_body(rng)
        return body[: len(body) - rng.randrange(1, 6)]  # inside the last field, the id

    def unknown_field() -> bytes:
        return _valid_body(rng) + bytes([0xF8, 0x06, rng.randrange(128)])  # field 111, varint

    def wrong_type() -> bytes:
        return bytes([0x08, rng.randrange(128)]) + _valid_body(rng)[2:]  # field 1 (kind) as varint

    def random_bytes() -> bytes:
        return rng.randbytes(rng.randrange(1, 200))

    def oversized() -> bytes:
        return _valid_body(rng) + b"\x5a" + b"\xff\xff\x7f" + b"x" * 300_000

    def bad_values() -> bytes:
        """A well-typed Message that breaks one rule of the message format."""
        msg = wire.Message.FromString(_valid_body(rng))
        rule = rng.randrange(6)
        if rule == 0:
            msg.kind = rng.choice(["BOGUS", "", "read", "SYNC_NOPE"])
        elif rule == 1:
            msg.tag.phase = rng.choice(["x", "", "READ"])
        elif rule == 2:
            msg.tag.op = 0
        elif rule == 3:
            msg.kind = "WRITE"
            msg.entries.append(wire.Entry(token=0, version=0, owner="c1"))
        elif rule == 4:
            msg.src = "c" * rng.randrange(33, 200)
        else:
            msg.ClearField("tag")
        body: bytes = msg.SerializeToString()
        return body

    return [truncated, unknown_field, wrong_type, random_bytes, oversized, bad_values]


@pytest.mark.slow
def test_ten_thousand_malformed_frames_crash_nothing_and_change_nothing(cluster: Layout) -> None:
    fuzz(cluster, FRAMES, seed=10)


def test_a_thousand_malformed_frames_crash_nothing_and_change_nothing(cluster: Layout) -> None:
    fuzz(cluster, FAST_FRAMES, seed=11)


def fuzz(cluster: Layout, count: int, seed: int) -> None:
    rng = random.Random(seed)
    operator = Operator(cluster)
    before = operator.store("s1")
    run = cluster.read_run("s1")
    assert run is not None
    keys = Keys(load_keys(cluster.root / "keys", ["c1"]))
    makers = _bad_bodies(rng)
    frames: list[bytes] = []
    for i in range(count):
        if i % 4 == 0:  # not even a Frame
            frames.append(rng.randbytes(rng.randrange(0, 300)))
        elif i % 4 == 1:  # a Frame with a bad signature
            f = keys.sign("c1", "s1", "Deliver", _valid_body(rng))
            f.mac = rng.randbytes(32)
            frames.append(f.SerializeToString())
        else:  # signed by c1, with a malformed body
            frames.append(
                keys.sign("c1", "s1", "Deliver", rng.choice(makers)()).SerializeToString()
            )
    channel = grpc.insecure_channel(f"127.0.0.1:{run['port']}")
    deliver = channel.unary_unary(METHOD)

    def send(raw: bytes) -> str:
        try:
            outcome = wire.Outcome.FromString(deliver(raw, timeout=10))
        except grpc.RpcError as error:
            return f"rpc-error {error.code().name}"
        status: str = outcome.status
        return status

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(send, frames))
    channel.close()
    assert len(results) == count
    assert "ok" not in results and "lost" not in results
    # every Frame that parses is refused; bytes that are not a Frame fail in gRPC itself
    # (some random bytes do parse as a Frame, e.g. none at all: an empty Frame)
    assert results.count("refused") >= count - count // 4
    assert set(results) == {"refused", "rpc-error INTERNAL"}
    assert alive(run["pid"])
    assert operator.store("s1") == before
    operator.close()
    with ClusterClient(cluster, "c2") as c2:  # and it still serves
        answer = c2.pay(1, "c3")
        assert isinstance(answer, Ok) or answer == NotOwner(2, "c3")  # the first run paid it
