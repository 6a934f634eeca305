"""Sending protocol messages over gRPC from a client or the manager.

Every protocol request has one reply (READ -> READ_REPLY, WRITE -> WRITE_ACK,
SYNC_READ -> SYNC_STATE, SYNC_WRITE -> SYNC_ACK), so a message is one unary
call: the request goes out signed, the server's signed reply comes back in the
call's answer and is handed to the sending actor as a delivered message. A
call that finds no process (a killed server, a joiner still starting) is
retried for `retry_for` seconds; then, or after an injected loss or a refusal,
the request is recorded as `dropped` (never delivered). Not recorded: a call
the server answered without a reply (`discarded`: its own trace says how it
handled the message), a call abandoned because this process is stopping (the
message stays in flight, as the model allows), and every call of a sender
that keeps its messages in flight (`keep_in_flight`: the manager, which sends
them again). Sending never blocks the actor: calls run on a thread pool.

A client keeps the signed READ_REPLY frames of its current operation and
attaches them to its WRITE: they are the proof that it owns what it writes
(impl/cluster/ownership.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys
from impl.cluster.codec import decode, encode, named
from impl.cluster.errors import BadFrame, Unauthenticated
from impl.cluster.lamport import LamportRecorder
from impl.cluster.layout import Layout
from impl.cluster.ownership import REPLY_RPC
from impl.cluster.wire_pb2_grpc import TokenNodeStub
from impl.tokens.actor import Actor
from impl.tokens.messages import Message

RPC_TIMEOUT = 30.0  # a server holds a message of a newer epoch for up to 20 s
# gRPC shares connections (subchannels) between channels of a process, with their
# reconnect backoff (up to 2 minutes): a restarted server would stay unreachable.
# Each channel gets its own, and retries within half a second.
CHANNEL_OPTIONS = [
    ("grpc.use_local_subchannel_pool", 1),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]


# gRPC's words for a call that found no connection (its request never left)
NOT_CONNECTED = ("failed to connect", "Connection refused", "has no running process")


class Channels:
    """One gRPC channel per destination port, re-read from DIR/run when a call fails."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._lock = threading.Lock()
        self._stubs: dict[str, tuple[int, grpc.Channel, TokenNodeStub]] = {}
        self._retired: list[grpc.Channel] = []

    def stub(self, name: str, refresh: bool = False) -> TokenNodeStub | None:
        with self._lock:
            known = self._stubs.get(name)
            if known is not None and not refresh:
                return known[2]
            run = self.layout.read_run(name)
            if run is None:
                return None
            if known is not None:  # a restarted process: a fresh channel, not one in backoff
                self._retired.append(known[1])  # other calls may still be on it
            channel = grpc.insecure_channel(f"127.0.0.1:{run['port']}", options=CHANNEL_OPTIONS)
            stub = TokenNodeStub(channel)  # type: ignore[no-untyped-call]
            self._stubs[name] = (run["port"], channel, stub)
            return stub

    def close(self) -> None:
        with self._lock:
            for channel in [*(c for _, c, _ in self._stubs.values()), *self._retired]:
                channel.close()
            self._stubs.clear()
            self._retired.clear()


def call(
    channels: Channels,
    name: str,
    rpc: str,
    sign: Callable[[], wire.Frame],
    timeout: float,
    retry_for: float,
    give_up: Callable[[], bool] = lambda: False,
) -> wire.Outcome:
    """One unary call to `name`, retried while its process cannot be reached.
    Each attempt is signed afresh: a server restarted meanwhile refuses a nonce
    older than its start, and the sender's own retry is no replay. Retried only
    when the request cannot have arrived (no process, or no connection): a call
    broken after it was sent (the server killed before its reply left) may have
    been handled, and the trace must show each message delivered at most once,
    as the model does; then the reply is what was lost."""
    deadline = time.monotonic() + retry_for
    refresh = False
    while True:
        stub = channels.stub(name, refresh)
        try:
            if stub is None:
                raise ConnectionError(f"{name} has no running process")
            method = stub.Deliver if rpc == "Deliver" else stub.Control
            outcome: wire.Outcome = method(sign(), timeout=timeout)
            return outcome
        except (grpc.RpcError, ConnectionError) as error:
            detail = error.details() if isinstance(error, grpc.RpcError) else str(error)
            if isinstance(error, grpc.RpcError):
                not_sent = error.code() == grpc.StatusCode.UNAVAILABLE and any(
                    words in (detail or "") for words in NOT_CONNECTED
                )
            else:
                not_sent = True
            if not not_sent or time.monotonic() >= deadline or give_up():
                return wire.Outcome(status="unreachable", detail=f"{name}: {detail}")
            refresh = True
            time.sleep(0.05)


class RpcTransport:
    """The `Transport` of a client process or the manager (impl/tokens/actor.py)."""

    def __init__(
        self,
        actor: Callable[[], Actor],
        layout: Layout,
        keys: Keys,
        recorder: LamportRecorder,
        retry_for: float = 5.0,
        keep_in_flight: bool = False,
    ) -> None:
        self.actor = actor
        self.name = recorder.process
        self.keys = keys
        self.recorder = recorder
        self.retry_for = retry_for
        self.channels = Channels(layout)
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix=f"rpc-{self.name}")
        self._lock = threading.Lock()
        self._proofs: dict[int, list[wire.Frame]] = {}  # op -> its signed read replies
        self.stopped = False
        self.keep_in_flight = keep_in_flight
        self._held = threading.local()  # a step's sends, waiting for its commit

    def send(self, msg: Message) -> None:
        # the send's Lamport time names the message: unique, since a client's and a
        # server's clocks go on across its processes
        stamp = self.recorder.tick()
        msg = named(msg, f"{self.name}.{stamp}")
        fields: dict[str, Any] = msg.to_json()
        self.recorder.record("sent", lamport=stamp, **fields)
        queue: list[tuple[Message, int]] | None = getattr(self._held, "queue", None)
        if queue is not None:
            queue.append((msg, stamp))
            return
        self.submit(msg, stamp)

    def hold(self) -> None:
        """This thread's sends wait until `release` (the manager commits first)."""
        self._held.queue = []

    def release(self) -> list[tuple[Message, int]]:
        """The sends held since `hold`; the caller submits them."""
        queue: list[tuple[Message, int]] = getattr(self._held, "queue", None) or []
        self._held.queue = None
        return queue

    def submit(self, msg: Message, stamp: int) -> None:
        self._pool.submit(self._deliver, msg, stamp)

    def retransmit(self, msg: Message) -> None:
        """Send a message already sent once again, with its id: no new `sent`
        (the receiver handles it once; impl/cluster/server.py)."""
        self.submit(msg, self.recorder.tick())

    def _proofs_for(self, msg: Message) -> list[wire.Frame]:
        if msg.kind != "WRITE" or msg.tag is None:
            return []
        with self._lock:
            return list(self._proofs.get(msg.tag.op, ()))

    def _keep_proof(self, reply: Message, frame: wire.Frame) -> None:
        if reply.kind != "READ_REPLY" or reply.tag is None:
            return
        op = reply.tag.op
        with self._lock:
            # a late reply of an older operation must not push out the current one's
            if self._proofs and op < max(self._proofs):
                return
            self._proofs.setdefault(op, []).append(frame)
            for old in [o for o in self._proofs if o < op]:
                del self._proofs[old]

    def _deliver(self, msg: Message, stamp: int) -> None:
        if self.stopped:
            return
        reply = self.exchange(msg, stamp)
        if reply is not None:
            self.actor().receive(reply)

    def request(self, msg: Message) -> Message | None:
        """Send `msg` and wait for its reply (None if lost, refused or unreachable),
        recording both; the reply is not handed to the actor."""
        stamp = self.recorder.tick()
        msg = named(msg, f"{self.name}.{stamp}")
        fields: dict[str, Any] = msg.to_json()
        self.recorder.record("sent", lamport=stamp, **fields)
        return self.exchange(msg, stamp)

    def exchange(self, msg: Message, stamp: int) -> Message | None:
        """One call: the request out, the verified reply back (None: recorded why)."""
        body = encode(msg, stamp, self._proofs_for(msg)).SerializeToString()
        outcome = call(
            self.channels, msg.dst, "Deliver",
            lambda: self.keys.sign(self.name, msg.dst, "Deliver", body),
            RPC_TIMEOUT, self.retry_for, lambda: self.stopped,
        )  # fmt: skip
        if outcome.status != "ok" or not outcome.HasField("reply"):
            if self.stopped or self.keep_in_flight or outcome.status == "discarded":
                return None  # not a loss: see the module docstring
            self.recorder.record(
                "dropped", id=msg.id, kind=msg.kind, src=msg.src, dst=msg.dst,
                tag=None if msg.tag is None else msg.tag.to_json(),
                reason=f"{outcome.status}: {outcome.detail}"[:200],
            )  # fmt: skip
            return None
        try:
            reply_frame = outcome.reply
            self.keys.verify(reply_frame, self.name, REPLY_RPC)
            reply, w = decode(reply_frame.body)
            if reply.src != msg.dst or reply_frame.sender != msg.dst:
                raise Unauthenticated(f"a reply from {msg.dst} signed as {reply_frame.sender}")
        except (Unauthenticated, BadFrame) as error:
            self.recorder.record("bad-message", node=self.name, error=str(error), message="")
            return None
        self.recorder.observe(w.lamport)
        self._keep_proof(reply, reply_frame)
        return reply

    def stop(self) -> None:
        self.stopped = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.channels.close()
