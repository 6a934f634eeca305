"""A server process: one node of impl/tokens in the server role, behind gRPC.

    python -m impl.cluster.server --data DIR --name s1 [--port P] [--join EPOCH]

`Deliver` takes one signed protocol message and answers with the node's signed
reply: the frame is authenticated (impl/cluster/auth.py), parsed and validated
(codec.py), its sender checked against its role (clients send READ and WRITE,
the manager the SYNC messages), a WRITE's proofs checked (ownership.py); then
the node of impl/tokens handles it, the store and epoch are committed to SQLite,
and only then does the reply leave. A message of a newer epoch is held, as in
impl/tokens, and its call answered when the server reaches that epoch (or
refused after HOLD seconds). A refused frame is logged and changes nothing.

A faulty server (`faulty` in cluster.json) loses each request and each reply
with probability `drop`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from typing import Any

import grpc

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, ReplayGuard, load_keys
from impl.cluster.codec import decode, encode, named, parse
from impl.cluster.durable import DurableStore, State
from impl.cluster.errors import BadFrame, ClusterError, Unauthenticated
from impl.cluster.lamport import DeferredSink, LamportRecorder, last_clock, recover_lines
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.ownership import REPLY_RPC, check_write
from impl.cluster.wire_pb2_grpc import TokenNodeServicer, add_TokenNodeServicer_to_server
from impl.tokens.actor import Env
from impl.tokens.config import Board, Configuration, Params
from impl.tokens.messages import Message
from impl.tokens.node import Node
from impl.tokens.server import ServerRole, initial_store

HOLD = 20.0  # seconds a call of a newer epoch waits for this server to get there
REPLIES = {
    "READ": "READ_REPLY",
    "WRITE": "WRITE_ACK",
    "SYNC_READ": "SYNC_STATE",
    "SYNC_WRITE": "SYNC_ACK",
}
MAX_MESSAGE = 512 * 1024
MAX_CALLS = 256
SYNC_REQUESTS = ("SYNC_READ", "SYNC_WRITE")


def _reply_key(kind: str, peer: str, msg: Message) -> tuple[Any, ...]:
    """What matches a reply to the request it answers."""
    return (kind, peer, msg.tag if msg.tag is not None else msg.payload.get("epoch"))


class ReplyRouter:
    """The node's transport: a reply it sends is handed to the call waiting for it."""

    def __init__(self, recorder: LamportRecorder) -> None:
        self.recorder = recorder
        self._lock = threading.Lock()
        self._waiting: dict[tuple[Any, ...], list[futures.Future[tuple[Message, int]]]] = {}

    def expect(self, request: Message) -> futures.Future[tuple[Message, int]]:
        future: futures.Future[tuple[Message, int]] = futures.Future()
        key = _reply_key(REPLIES[request.kind], request.src, request)
        with self._lock:
            self._waiting.setdefault(key, []).append(future)
        return future

    def forget(self, request: Message, future: futures.Future[tuple[Message, int]]) -> None:
        key = _reply_key(REPLIES[request.kind], request.src, request)
        with self._lock:
            waiting = self._waiting.get(key, [])
            if future in waiting:
                waiting.remove(future)
            if not waiting:
                self._waiting.pop(key, None)

    def send(self, msg: Message) -> None:
        stamp = self.recorder.tick()
        msg = named(msg, f"{msg.src}.{stamp}")  # unique: see RpcTransport.send
        with self._lock:
            waiting = self._waiting.pop(_reply_key(msg.kind, msg.dst, msg), [])
        fields: dict[str, Any] = msg.to_json()
        self.recorder.record("sent", lamport=stamp, **fields)
        for future in waiting:
            future.set_result((msg, stamp))


class ServerProcess(TokenNodeServicer):
    def __init__(self, layout: Layout, name: str, join_epoch: int | None) -> None:
        self.layout = layout
        self.name = name
        self.cluster = layout.read()
        self.keys = Keys(load_keys(layout.root / "keys", [*self.cluster.nodes, MANAGER]))
        self.guard = ReplayGuard()
        self.rng = random.Random()
        self.log = open(layout.log(name), "a", buffering=1)  # noqa: SIM115 (lives with the process)
        self.durable = DurableStore(layout.db(name))
        params = Params(
            servers=len(self.cluster.servers),
            clients=len(self.cluster.clients),
            tokens=self.cluster.tokens,
            faulty=(),
        )
        if self.durable.empty():
            _epoch, servers = self.cluster.current
            if join_epoch is None:
                self.durable.save(State(0, initial_store(params), tuple(self.cluster.servers)))
            else:
                self.durable.save(State(join_epoch, None, tuple(servers)))
        state = self.durable.load()
        if self.cluster.trace:
            recover_lines(layout.trace(name), self.durable.last_lines())
        clock = last_clock(layout.trace(name))
        trace = open(layout.trace(name), "a", buffering=1) if self.cluster.trace else None  # noqa: SIM115
        self.sink = None if trace is None else DeferredSink(trace)
        header = {"params": params.to_json()}
        # a DeferredSink writes like a file: the recorder needs only write()
        self.recorder = LamportRecorder(name, sink=self.sink, header=header)  # type: ignore[arg-type]
        self.recorder.observe(clock)
        self.router = ReplyRouter(self.recorder)
        env = Env(params, Board(Configuration(state.epoch, state.servers)), self.recorder)
        env.transport = self.router
        self.node = Node(name, env, "server")
        self.node.server = ServerRole(self.node, state.epoch, state.store)
        env.nodes[name] = self.node
        self.configs: dict[int, tuple[str, ...]] = {state.epoch: state.servers}
        self.refused = 0
        self.handled = 0
        self.lost = 0  # requests and replies lost to the injected omission fault
        self.save_seconds = 0.0  # time in SQLite commits (fsync), for the benchmark
        self.stop_event = threading.Event()
        if clock > 0:  # a trace of an earlier process of this server: this one is a restart
            self.recorder.record("restarted", self.node.snapshot, node=name)
        self._sync_lock = threading.Lock()
        self._sync_running: dict[str, futures.Future[tuple[bytes | None, str]]] = {}

    # -- helpers -----------------------------------------------------------

    def _refuse(self, status: str, why: str) -> wire.Outcome:
        self.refused += 1
        self.log.write(f"{time.strftime('%H:%M:%S')} {status}: {why}\n")
        return wire.Outcome(status=status, detail=why)

    def _faulty(self) -> bool:
        return self.name in self.cluster.faulty and self.rng.random() < self.cluster.drop

    def servers_of(self, epoch: int) -> list[str] | None:
        if epoch in self.configs:  # learnt from a SYNC_WRITE, maybe before the install
            return list(self.configs[epoch])
        found = self.cluster.servers_of(epoch)
        if found is None:  # a configuration installed since this process read the file
            self.cluster = self.layout.read()
            found = self.cluster.servers_of(epoch)
        return found

    def _authorize(self, frame: wire.Frame, msg: Message, w: wire.Message) -> None:
        """Who may send what: the sender signed it as itself, to this server."""
        if msg.src != frame.sender:
            raise Unauthenticated(f"{frame.sender} sent a message in the name of {msg.src}")
        if msg.dst != self.name:
            raise Unauthenticated(f"a message for {msg.dst} delivered to {self.name}")
        if msg.kind.startswith("SYNC"):
            if frame.sender != MANAGER:
                raise Unauthenticated(f"{msg.kind} from {frame.sender}: only the manager sends it")
            return
        if msg.kind not in ("READ", "WRITE"):
            raise Unauthenticated(f"{msg.kind} from {frame.sender}: not a request a server takes")
        if frame.sender == MANAGER or frame.sender not in self.cluster.nodes:
            raise Unauthenticated(f"{frame.sender} is not a client of this cluster")
        assert msg.tag is not None
        if msg.tag.client != frame.sender:
            raise Unauthenticated(f"{frame.sender} sent a phase of {msg.tag.client}")
        servers = self.servers_of(msg.tag.epoch)
        if servers is None:  # else it would be held, tying up a call for HOLD seconds
            raise Unauthenticated(
                f"{frame.sender} sent a phase of epoch {msg.tag.epoch}, which was never installed"
            )
        if frame.sender in servers:
            raise Unauthenticated(
                f"{frame.sender} is a server of epoch {msg.tag.epoch}, not a client"
            )
        if msg.kind == "WRITE":
            check_write(msg, list(w.proofs), self.keys, self.servers_of)

    def persist(self, reply: tuple[str, bytes] | None = None, lines: Sequence[str] = ()) -> None:
        with self.node.lock:
            server = self.node.server
            if server is None:
                return
            store = None if server.store is None else dict(server.store)
            servers = self.servers_of(server.epoch) or ()
            started = time.perf_counter()
            self.durable.save(State(server.epoch, store, tuple(servers)), reply, lines)
            self.save_seconds += time.perf_counter() - started

    # -- RPCs --------------------------------------------------------------

    def Deliver(self, frame: wire.Frame, context: object) -> wire.Outcome:
        try:
            body = self.keys.verify(frame, self.name, "Deliver")
            self.guard.admit(frame)
            msg, w = decode(body)
            self._authorize(frame, msg, w)
        except Unauthenticated as error:
            return self._refuse("refused", str(error))
        except BadFrame as error:
            return self._refuse("refused", f"malformed frame from {frame.sender[:32]!r}: {error}")
        if self._faulty():
            self.lost += 1
            return wire.Outcome(status="lost", detail=f"{self.name} is faulty: request lost")
        self.recorder.observe(w.lamport)
        if msg.kind == "SYNC_WRITE":
            self.configs.setdefault(msg.epoch, tuple(msg.payload["servers"]))
        if msg.kind in SYNC_REQUESTS:
            reply, why = self._handle_once(msg)
        else:
            reply, why = self._handle(msg)
        return self._answer(msg, reply, why)

    def _handle(self, msg: Message) -> tuple[bytes | None, str]:
        """Hand `msg` to the node: (its encoded reply, or None and why there is
        none). Under the node's lock: handled, committed with its trace lines
        (and the reply to a SYNC request), then the lines written to the trace,
        then the reply leaves. Killed before the commit, the step left no
        trace; after it, a restart writes the lines the trace lacks."""
        future = self.router.expect(msg)
        sync = msg.kind in SYNC_REQUESTS
        try:
            with self.node.lock:
                self._begin()
                lines: list[str] = []
                try:
                    server = self.node.server
                    # a retransmission of a message this server holds: it is held once
                    if server is None or msg not in server.held:
                        self.node.receive(msg)
                    held = self.node.server is not None and msg in self.node.server.held
                    reply = self._encoded(future) if future.done() else None
                    lines = self._end()
                    if not held:
                        self.persist((str(msg.id), reply or b"") if sync else None, lines)
                finally:
                    if self.sink is not None:
                        self.sink.write_out(lines or self._end())
            if not held:
                self.handled += 1
                return reply, "" if reply else "no reply: see the server's trace"
            # held: the message that moves this server to its epoch delivers it
            # (and commits it); its reply comes here
            reply = self._encoded(future, timeout=HOLD)
            if sync:
                self.persist((str(msg.id), reply))
            self.handled += 1
            return reply, ""
        except futures.TimeoutError:  # still held: it may be delivered later, answer nothing
            return None, f"held for {HOLD}s, epoch not reached"
        finally:
            self.router.forget(msg, future)

    @staticmethod
    def _encoded(future: futures.Future[tuple[Message, int]], timeout: float = 0) -> bytes:
        answer, stamp = future.result(timeout=timeout)
        return bytes(encode(answer, stamp).SerializeToString())

    def _begin(self) -> None:
        if self.sink is not None:
            self.sink.begin()

    def _end(self) -> list[str]:
        return [] if self.sink is None else self.sink.end()

    def _handle_once(self, msg: Message) -> tuple[bytes | None, str]:
        """A SYNC request handled at most once: the manager may send the same
        message again (same id), after it restarted or to catch this server up,
        while the first is in progress or after it was answered. The later ones
        get the first one's reply: in the trace, one delivery and one reply."""
        key = str(msg.id)
        with self._sync_lock:
            done = self.durable.reply(key)
            running = self._sync_running.get(key)
            mine = done is None and running is None
            if mine:
                running = self._sync_running[key] = futures.Future()
        if done is not None:
            return done or None, "answered before: no reply"
        assert running is not None
        if not mine:
            try:
                first: tuple[bytes | None, str] = running.result(timeout=HOLD)
            except futures.TimeoutError:
                return None, f"held for {HOLD}s, epoch not reached"
            return first
        result: tuple[bytes | None, str] = (None, "not handled: the handler failed")
        try:
            result = self._handle(msg)
        finally:
            with self._sync_lock:
                self._sync_running.pop(key, None)
            running.set_result(result)
        return result

    def _answer(self, msg: Message, reply: bytes | None, why: str) -> wire.Outcome:
        if reply is None:
            return wire.Outcome(status="discarded", detail=why)
        if self._faulty():
            self.lost += 1
            return wire.Outcome(status="lost", detail=f"{self.name} is faulty: reply lost")
        signed = self.keys.sign(self.name, msg.src, REPLY_RPC, reply)
        return wire.Outcome(status="ok", reply=signed)

    def Control(self, frame: wire.Frame, context: object) -> wire.Outcome:
        try:
            body = self.keys.verify(frame, self.name, "Control")
            self.guard.admit(frame)
            if frame.sender != MANAGER:
                raise Unauthenticated(f"Control from {frame.sender}: only the operator may ask")
            command: wire.Command = parse(body, wire.Command)
        except (Unauthenticated, BadFrame) as error:
            return self._refuse("refused", str(error))
        if command.verb == "status":
            return wire.Outcome(status="ok", json=json.dumps(self.status()))
        if command.verb == "stop":
            threading.Thread(target=self.stop_soon, daemon=True).start()
            return wire.Outcome(status="ok", detail="stopping")
        return self._refuse("refused", f"unknown verb {command.verb[:20]!r}")

    def status(self) -> dict[str, Any]:
        with self.node.lock:
            server = self.node.server
            assert server is not None
            return {
                "name": self.name,
                "role": "server",
                "epoch": server.epoch,
                "pid": os.getpid(),
                "store": None
                if server.store is None
                else [[t, v, o] for t, (v, o) in sorted(server.store.items())],
                "held": len(server.held),
                "faulty": self.name in self.cluster.faulty,
                "handled": self.handled,
                "refused": self.refused,
                "lost": self.lost,
                "commits": self.durable.commits,
                "save_seconds": round(self.save_seconds, 4),
            }

    def stop_soon(self) -> None:
        time.sleep(0.1)
        self.stop_event.set()


def serve(layout: Layout, name: str, port: int, join_epoch: int | None) -> None:
    process = ServerProcess(layout, name, join_epoch)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE)],
        maximum_concurrent_rpcs=MAX_CALLS,  # beyond: refused at once (RESOURCE_EXHAUSTED)
    )
    add_TokenNodeServicer_to_server(process, server)  # type: ignore[no-untyped-call]
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    if bound == 0 and port != 0:
        bound = server.add_insecure_port("127.0.0.1:0")  # the old port is taken: a new one
    server.start()
    layout.write_run(name, os.getpid(), bound)
    signal.signal(signal.SIGTERM, lambda *_: process.stop_event.set())
    process.stop_event.wait()
    server.stop(grace=0.5).wait()
    layout.run(name).unlink(missing_ok=True)
    process.durable.close()
    # calls still held for a newer epoch sit in pool threads; everything is committed
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="impl.cluster.server")
    parser.add_argument("--data", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--join", type=int, default=None, help="start as a joiner at this epoch")
    args = parser.parse_args(argv)
    try:
        serve(Layout(args.data), args.name, args.port, args.join)
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
