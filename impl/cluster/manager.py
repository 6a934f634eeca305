"""The configuration manager's process: impl/tokens' Manager behind gRPC.

    python -m impl.cluster.manager --data DIR --name manager

`Control(transform x)` runs `Manager.transform(x)` of impl/tokens: its guard
(bounds, the fault bound, one change at a time), SYNC_READ to the servers of
epoch e, the merge, SYNC_WRITE to the new servers, and the install after
q(n') acknowledgements, which appends (e+1, servers') to cluster.json. A
joining client gets a server process (started here, without a store, at epoch
e); a leaving server's process is stopped and its store deleted. A server
whose process is down counts as faulty for the fault bound.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from concurrent import futures
from typing import Any

import grpc

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, ReplayGuard, load_keys
from impl.cluster.codec import parse
from impl.cluster.errors import BadFrame, ClusterError, Unauthenticated
from impl.cluster.lamport import LamportRecorder
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.spawn import alive, kill, spawn, wait_ready
from impl.cluster.transport import RpcTransport, call
from impl.cluster.wire_pb2_grpc import TokenNodeServicer, add_TokenNodeServicer_to_server
from impl.tokens.actor import Env
from impl.tokens.config import Board, Configuration, Params
from impl.tokens.errors import ImplError, Refused
from impl.tokens.manager import Manager
from impl.tokens.messages import Message

TRANSFORM_TIMEOUT = 30.0


class RemoteNode:
    """What the Manager of impl/tokens asks of a node, for a node in another process."""

    def __init__(self, owner: ManagerProcess, name: str) -> None:
        self.owner = owner
        self.name = name
        self.server = None  # read only by the threaded network's loss rule
        self.lock = threading.RLock()  # the Manager holds a leaver's lock while it installs

    def become_joiner(self, epoch: int) -> None:
        self.owner.start_joiner(self.name, epoch)

    def become_client(self) -> None:
        self.owner.retire(self.name)


class ManagerProcess(TokenNodeServicer):
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        cluster = layout.read()
        self.keys = Keys(load_keys(layout.root / "keys", [*cluster.nodes, MANAGER]))
        self.guard = ReplayGuard()
        self.log = open(layout.log(MANAGER), "a", buffering=1)  # noqa: SIM115
        trace = open(layout.trace(MANAGER), "a", buffering=1)  # noqa: SIM115
        self.recorder = LamportRecorder(MANAGER, sink=trace)
        params = Params(
            servers=len(cluster.servers), clients=len(cluster.clients), tokens=cluster.tokens,
            faulty=(),
        )  # fmt: skip
        epoch, servers = cluster.current
        self.env = Env(params, Board(Configuration(epoch, tuple(servers))), self.recorder)
        remote: dict[str, Any] = {name: RemoteNode(self, name) for name in cluster.nodes}
        self.env.nodes = remote  # the Manager only calls become_joiner/become_client
        self.manager = Manager(self.env, self._installed)
        self.transport = RpcTransport(lambda: self.manager, layout, self.keys, self.recorder)
        self.env.transport = self.transport
        self.channels = self.transport.channels
        self.stop_event = threading.Event()

    def start_joiner(self, name: str, epoch: int) -> None:
        self.layout.db(name).unlink(missing_ok=True)
        pid = spawn(self.layout, "impl.cluster.server", name, "--join", str(epoch))
        wait_ready(self.layout, name, pid)

    def retire(self, name: str) -> None:
        run = self.layout.read_run(name)
        if run is not None:
            kill(run["pid"])
        self.layout.run(name).unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            path = self.layout.db(name)
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def _installed(self, config: Configuration) -> None:
        cluster = self.layout.read()
        cluster.configs.append((config.epoch, list(config.servers)))
        self.layout.write(cluster)

    def _down(self) -> set[str]:
        down = set()
        for server in self.env.board.get().servers:
            run = self.layout.read_run(server)
            if run is None or not alive(run["pid"]):
                down.add(server)
        return down

    def transform(self, node: str) -> dict[str, Any]:
        cluster = self.layout.read()
        self.env.faulty = frozenset(cluster.faulty) | self._down()
        handle = self.manager.transform(node)
        answer = handle.wait(TRANSFORM_TIMEOUT)
        return {**answer.to_json(), "text": str(answer)}

    def _epoch_of(self, name: str) -> int:
        body = wire.Command(verb="status").SerializeToString()
        outcome = call(
            self.channels, name, "Control",
            lambda: self.keys.sign(MANAGER, name, "Control", body), 5.0, 2.0,
        )  # fmt: skip
        if outcome.status != "ok":
            raise Refused(f"{name} does not answer: {outcome.detail}")
        return int(json.loads(outcome.json)["epoch"])

    def catch_up(self, name: str) -> list[int]:
        """Bring a server that missed role changes (it was down) to the installed
        epoch, one SYNC_WRITE per epoch it missed, as the epoch rule requires (a
        server never skips one). They carry no entries: its store is its own, like
        a server that lost some writes, and every write is on a quorum without it.
        Returns the epochs it entered."""
        config = self.env.board.get()
        if name not in config.servers:
            raise Refused(f"{name} is not a server of epoch {config.epoch}")
        entered: list[int] = []
        cluster = self.layout.read()
        # re-read its epoch each time: a SYNC_WRITE retried from the change itself
        # may reach it first (then ours is discarded, and it has moved all the same)
        while (epoch := self._epoch_of(name)) < config.epoch:
            servers = cluster.servers_of(epoch + 1) or list(config.servers)
            payload = {"epoch": epoch + 1, "servers": servers, "entries": []}
            reply = self.transport.request(Message("SYNC_WRITE", MANAGER, name, None, payload))
            if (reply is None or reply.kind != "SYNC_ACK") and self._epoch_of(name) <= epoch:
                raise Refused(f"{name} did not enter epoch {epoch + 1}")
            entered.append(epoch + 1)
        return entered

    def Deliver(self, frame: wire.Frame, context: object) -> wire.Outcome:
        return wire.Outcome(status="refused", detail="the manager takes no protocol requests")

    def Control(self, frame: wire.Frame, context: object) -> wire.Outcome:
        try:
            body = self.keys.verify(frame, MANAGER, "Control")
            self.guard.admit(frame)
            if frame.sender != MANAGER:
                raise Unauthenticated(f"Control from {frame.sender}: only the operator may ask")
            command: wire.Command = parse(body, wire.Command)
        except (Unauthenticated, BadFrame) as error:
            self.log.write(f"refused: {error}\n")
            return wire.Outcome(status="refused", detail=str(error))
        if command.verb == "status":
            config = self.env.board.get()
            state = {
                "name": MANAGER,
                "role": "manager",
                "epoch": config.epoch,
                "pid": os.getpid(),
                "servers": list(config.servers),
                "change": self.manager.snapshot()["change"],
            }
            return wire.Outcome(status="ok", json=json.dumps(state))
        if command.verb == "transform":
            try:
                return wire.Outcome(status="ok", json=json.dumps(self.transform(command.node)))
            except ImplError as error:
                return wire.Outcome(status="refused", detail=str(error))
        if command.verb == "catchup":
            try:
                return wire.Outcome(status="ok", json=json.dumps(self.catch_up(command.node)))
            except ImplError as error:
                return wire.Outcome(status="refused", detail=str(error))
        if command.verb == "stop":
            self.stop_event.set()
            return wire.Outcome(status="ok", detail="stopping")
        return wire.Outcome(status="refused", detail=f"unknown verb {command.verb[:20]!r}")


def serve(layout: Layout) -> None:
    process = ManagerProcess(layout)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), maximum_concurrent_rpcs=64)
    add_TokenNodeServicer_to_server(process, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    layout.write_run(MANAGER, os.getpid(), port)
    signal.signal(signal.SIGTERM, lambda *_: process.stop_event.set())
    process.stop_event.wait()
    server.stop(grace=0.5).wait()
    layout.run(MANAGER).unlink(missing_ok=True)
    os._exit(0)  # a transform may still wait in a pool thread; cluster.json is written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="impl.cluster.manager")
    parser.add_argument("--data", required=True)
    parser.add_argument("--name", default=MANAGER)
    args = parser.parse_args(argv)
    try:
        serve(Layout(args.data))
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
