"""The configuration manager's process: impl/tokens' Manager behind gRPC.

    python -m impl.cluster.manager --data DIR --name manager

`Control(transform x)` runs `Manager.transform(x)` of impl/tokens: its guard
(bounds, the fault bound, one change at a time), SYNC_READ to the servers of
epoch e, the merge, SYNC_WRITE to the new servers, and the install after
q(n') acknowledgements, which appends (e+1, servers') to cluster.json. A
joining client gets a server process (started here, without a store, at epoch
e); a leaving server's process is stopped and its store deleted. A server
whose process is down counts as faulty for the fault bound.

Nothing is lost when the manager dies: every step is committed to its journal
(impl/cluster/journal.py) before its messages leave, and a restarted manager
(`check cluster restart manager`) resumes a change in progress by sending the
messages of its current step again, with their ids. A server that was down
during changes is caught up with the very SYNC_WRITEs those changes sent it.

A step's side effects on other processes (a joiner's process started, a
leaver's stopped) cannot join the step's commit: each is journaled as an
intent in its own commit first, and a restarted manager finishes it
(`ManagerProcess.reconcile`), so no process is orphaned or started twice and
no store is deleted before the install that retires it is committed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, ReplayGuard, load_keys
from impl.cluster.codec import named, parse
from impl.cluster.config_lock import ConfigLock
from impl.cluster.errors import BadFrame, ClusterError, Unauthenticated
from impl.cluster.journal import Journal, describe
from impl.cluster.lamport import (
    DeferredSink,
    LamportRecorder,
    append_event,
    last_clock,
    last_event,
    recover_lines,
)
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.spawn import alive, spawn, stop_all, wait_ready
from impl.cluster.transport import RpcTransport, call
from impl.cluster.wire_pb2_grpc import TokenNodeServicer, add_TokenNodeServicer_to_server
from impl.tokens.actor import Env
from impl.tokens.config import Board, Configuration, Params
from impl.tokens.errors import ImplError, Refused
from impl.tokens.manager import Change, Manager
from impl.tokens.messages import Message
from impl.tokens.operations import Handle

TRANSFORM_TIMEOUT = 30.0
MUTANT_ENV = "TOKENCHECK_CLUSTER_MUTANT"  # empty-catch-up: the catch-up before the journal
EMPTY_CATCH_UP = "empty-catch-up"
# a test hook: sync-read, sync-write, install, joiner-started or leaver-stopped
PAUSE_ENV = "TOKENCHECK_MANAGER_PAUSE"
PAUSE_SECONDS = 30.0
# seconds a call to a server with no process is retried (tests shorten it: a SYNC_WRITE
# to a killed server then waits for its catch-up sooner)
RETRY_ENV = "TOKENCHECK_MANAGER_RETRY"
DEFAULT_RETRY = 5.0


def _retry_seconds(log: Any) -> float:
    """RETRY_ENV as seconds in (0, 3600]; anything else is logged and the default
    kept, so a mistyped test hook never stops the manager from starting."""
    text = os.environ.get(RETRY_ENV, "")
    try:
        seconds = float(text) if text else DEFAULT_RETRY
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 3600:  # also refuses nan
        log.write(f"ignored {RETRY_ENV}={text[:40]!r}: expected seconds in (0, 3600]\n")
        return DEFAULT_RETRY
    return seconds


class _HandlesNothing:
    """A leaver's `lock`, which the Manager takes from the SYNC_ACK that makes
    q(n') to the install: in the specification that delivery, the install and
    the leaver becoming a client are one step, so the leaver must handle
    nothing from then on. A thread lock does that in one process; another
    process is stopped (`retire`, idempotent: the install's `become_client`
    finds it stopped). Until the install it is a down server, as after
    `check cluster kill`."""

    def __init__(self, node: RemoteNode) -> None:
        self.node = node

    def __enter__(self) -> None:
        self.node.owner.retire(self.node.name)

    def __exit__(self, *_: object) -> None:
        return None


class RemoteNode:
    """What the Manager of impl/tokens asks of a node, for a node in another process."""

    def __init__(self, owner: ManagerProcess, name: str) -> None:
        self.owner = owner
        self.name = name
        self.server = None  # read only by the threaded network's loss rule
        self.lock = _HandlesNothing(self)  # the Manager holds a leaver's lock while it installs

    def become_joiner(self, epoch: int) -> None:
        self.owner.start_joiner(self.name, epoch)

    def become_client(self) -> None:
        self.owner.retire(self.name)


class JournaledManager(Manager):
    """impl/tokens' Manager whose every step (a transform's start, a SYNC reply
    taken) is committed to the journal before its messages leave."""

    def __init__(self, process: ManagerProcess) -> None:
        super().__init__(process.env, process.installed)
        self.process = process

    def receive(self, msg: object) -> None:
        with self.process.step():
            super().receive(msg)

    def transform(self, x: str) -> Handle:
        with self.process.step():
            return super().transform(x)


def change_to_json(c: Change) -> dict[str, Any]:
    return {**c.to_json(), "merged": [[t, v, o] for t, (v, o) in sorted(c.merged.items())]}


def change_from_json(raw: dict[str, Any], handle: Handle) -> Change:
    old, new = raw["from"], raw["to"]
    return Change(
        node=raw["node"],
        joining=raw["joining"],
        old=Configuration(old["epoch"], tuple(old["servers"])),
        new=Configuration(new["epoch"], tuple(new["servers"])),
        handle=handle,
        step=raw["step"],
        read_from=set(raw["read_from"]),
        merged={t: (v, o) for t, v, o in raw["merged"]},
        acks=set(raw["acks"]),
    )


def message_from_json(raw: dict[str, Any]) -> Message:
    """A SYNC message of the journal's outbox, as it was sent (its id included)."""
    payload = dict(raw["payload"])
    if "entries" in payload:
        payload["entries"] = [tuple(e) for e in payload["entries"]]
    return named(Message(raw["kind"], raw["src"], raw["dst"], None, payload), raw["id"])


class ManagerProcess(TokenNodeServicer):
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        cluster = layout.read()
        self.keys = Keys(load_keys(layout.root / "keys", [*cluster.nodes, MANAGER]))
        self.guard = ReplayGuard()
        self.log = open(layout.log(MANAGER), "a", buffering=1)  # noqa: SIM115
        self.journal = Journal(layout.db(MANAGER))
        self.mutant = os.environ.get(MUTANT_ENV, "")
        self.pause_at = os.environ.get(PAUSE_ENV, "")
        restarted = layout.trace(MANAGER).exists()
        self.restarted = restarted
        self._recover_files()
        cluster = layout.read()
        self.sink = DeferredSink(open(layout.trace(MANAGER), "a", buffering=1))  # noqa: SIM115
        self.recorder = LamportRecorder(MANAGER, sink=self.sink)  # type: ignore[arg-type]
        self.recorder.observe(last_clock(layout.trace(MANAGER)))  # ids stay unique
        params = Params(
            servers=len(cluster.servers), clients=len(cluster.clients), tokens=cluster.tokens,
            faulty=(),
        )  # fmt: skip
        epoch, servers = cluster.current
        self.env = Env(params, Board(Configuration(epoch, tuple(servers))), self.recorder)
        remote: dict[str, Any] = {name: RemoteNode(self, name) for name in cluster.nodes}
        self.env.nodes = remote  # the Manager only calls become_joiner/become_client
        self._installing: Configuration | None = None
        self.config_lock = ConfigLock(layout.config_lock)
        self._holding_config = False
        self._joining: str | None = None  # the step started this joiner's process
        self._retiring: str | None = None  # the step stopped this leaver's process
        self._in_step = threading.local()
        self.manager = JournaledManager(self)
        self.transport = RpcTransport(
            lambda: self.manager, layout, self.keys, self.recorder,
            retry_for=_retry_seconds(self.log), keep_in_flight=True,
        )  # fmt: skip
        self.env.transport = self.transport
        self.channels = self.transport.channels
        self.stop_event = threading.Event()
        change = self.journal.change()
        with self.step():
            if change is not None:
                handle = Handle(MANAGER, f"transform({change['node']})", self.manager.progress)
                self.manager.change = change_from_json(change, handle)
            if restarted:
                self.recorder.record("restarted", self.manager.snapshot, node=MANAGER)

    # -- the journal -------------------------------------------------------

    def _recover_files(self) -> None:
        """What the last process committed but did not finish writing: its
        trace lines, and cluster.json's newest configuration."""
        recover_lines(self.layout.trace(MANAGER), [line for _, line in self.journal.lines()])
        installed = self.journal.installed()
        if installed is not None:
            self._finish_retire()  # before cluster.json shows the install, as `_commit` does
            self._write_config(Configuration(installed[0], tuple(installed[1])))

    def _finish_retire(self) -> None:
        """The leaver of an installed change (a `retire` intent whose epoch is
        installed): stopped, if anything of it runs, and its store deleted;
        then the intent is done. Idempotent: a manager killed in the middle
        does it again on restart."""
        intent, installed = self.journal.intent(), self.journal.installed()
        if intent is None or intent["do"] != "retire" or installed is None:
            return
        if installed[0] < int(intent["epoch"]):
            return  # not installed yet: the resumed change's install retires it
        stop_all(self.layout, str(intent["node"]))
        self._delete_store(str(intent["node"]))
        self.journal.set_intent(None)

    def _write_config(self, config: Configuration) -> None:
        cluster = self.layout.read()
        if cluster.servers_of(config.epoch) is None:
            cluster.configs.append((config.epoch, list(config.servers)))
            self.layout.write(cluster)

    def installed(self, config: Configuration) -> None:
        """The Manager installed `config`: cluster.json gets it once committed."""
        self._installing = config

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """One step of the manager, under its lock: its trace lines and its
        messages wait, then the journal commits the change as the step left it
        with them, and only then are they written and sent."""
        with self.manager.lock:
            if getattr(self._in_step, "on", False):
                yield  # a step inside a step (receive within transform): one commit
                return
            self._in_step.on = True
            # A step of a change may install it: no client phase may start between
            # the install's line and its commit (see impl.cluster.config_lock).
            if self.manager.change is not None:
                self.config_lock.__enter__()
                self._holding_config = True
            self.sink.begin()
            self.transport.hold()
            try:
                yield
            finally:
                self._in_step.on = False
                try:
                    self._commit(self.sink.end(), self.transport.release())
                finally:
                    self._release_config()

    def _release_config(self) -> None:
        if self._holding_config:
            self._holding_config = False
            self.config_lock.__exit__(None, None, None)

    def _commit(self, lines: list[str], sends: list[tuple[Message, int]]) -> None:
        installing, self._installing = self._installing, None
        joining, self._joining = self._joining, None
        retiring, self._retiring = self._retiring, None
        if not lines and not sends and installing is None:
            return  # nothing happened (a refused transform): every change records a line
        change = self.manager.change
        self.journal.commit(
            None if change is None else change_to_json(change),
            [m.to_json() for m, _ in sends],
            [line.rstrip("\n") for line in lines],
            None if installing is None else (installing.epoch, list(installing.servers)),
            done_intent=joining is not None and change is not None and change.node == joining,
        )
        self.sink.write_out(lines)
        self._release_config()  # committed: clients read the install from the journal
        if installing is not None:
            self._pause("install")  # committed, cluster.json not yet written
            if retiring is not None:
                self._finish_retire()  # only now: the install that retires it is committed
            self._write_config(installing)
        for msg, stamp in sends:
            self.transport.submit(msg, stamp)
        if sends:
            self._pause("sync-read" if sends[0][0].kind == "SYNC_READ" else "sync-write")

    def _pause(self, phase: str) -> None:
        """The test hook: with TOKENCHECK_MANAGER_PAUSE=phase, stop here (still
        holding the manager's lock) and say so in DIR/run/manager.paused, so that
        a test can kill -9 the manager at that point of a change. Bounded."""
        if self.pause_at != phase:
            return
        self.pause_at = ""  # once per process
        paused = self.layout.root / "run" / "manager.paused"
        paused.with_suffix(".tmp").write_text(phase)
        os.replace(paused.with_suffix(".tmp"), paused)  # a test sees it whole or not at all
        time.sleep(PAUSE_SECONDS)

    def reconcile(self) -> bool:
        """Finish the side effect the last process journaled as its intent and
        may have made before it died (the step that made it was not committed).
        Returns whether it started a change afresh.

        - join x at e, no change of x committed: the join's change never
          started (its `reconfig start` line and SYNC_READs are in the step that
          was not committed), but x's process may run, without a store at e.
          Start the change again: `start_joiner` stops any process of x and
          starts one afresh without a store (so none is orphaned or doubled),
          then the step sends the SYNC_READs. Safe: that process was sent
          nothing and recorded nothing (a fresh joiner writes no trace line), so
          in the model x is still an idle client and the change starts now
          (ManagerStartTransform); x held no acknowledged pay; the guard, fault
          bound included, is checked again. If it refuses now, x is stopped and
          its store deleted: the change did not happen, as the operator saw it
          refused.
        - retire x at e+1: x's process was stopped (a `killed` line in its trace:
          a down server, as for `check cluster kill`), its store kept. If e+1 is
          installed, `_recover_files` deleted the store already. Else the change
          resumes and its install retires x again (stopping nothing twice). Safe: the stop comes
          after q(n') servers of e+1 acknowledged the merged store, so epoch e's
          quorums serve no phase that can complete without moving to e+1, and no
          acknowledged pay lives only in x's store; until the install is
          committed the store is there for `restart x`.
        """
        intent = self.journal.intent()
        if intent is None:
            return False
        node, epoch = str(intent["node"]), int(intent["epoch"])
        if intent["do"] == "retire":
            return False  # installed: finished by `_recover_files`; else the install will
        change = self.manager.change
        if change is not None and change.node == node:
            self.journal.set_intent(None)  # the change is committed: the joiner is its own
            return False
        self.log.write(f"resuming the join of {node} at epoch {epoch}\n")
        try:
            self.start(node)
        except ImplError as error:
            self.log.write(f"join of {node} refused now ({error}): its process is stopped\n")
            stop_all(self.layout, node)
            self._delete_store(node)
            self.journal.set_intent(None)
            return False
        return True

    def resume(self) -> None:
        """A change the last process did not finish: first its intent
        (`reconcile`), then send again (same ids) the
        messages of its current step that no server has answered. A server
        answers a message it already handled with the reply it sent then
        (impl/cluster/server.py), so the trace shows one delivery of each: the
        model's message in flight, delivered late. A new SYNC_READ would be a
        second, different message; resending the old one is the same step."""
        if self.reconcile():
            return  # a change started afresh: its messages are sent
        with self.manager.lock:
            c = self.manager.change
            if c is None:
                return
            if c.step == "sync-read":
                kind, epoch = "SYNC_READ", c.old.epoch
                missing = [s for s in c.old.servers if s not in c.read_from]
            else:
                kind, epoch = "SYNC_WRITE", c.new.epoch
                missing = [s for s in c.new.servers if s not in c.acks]
        for server in missing:
            stored = self.journal.sent(kind, server, epoch)
            if stored is not None:
                self.transport.retransmit(message_from_json(stored))

    def catch_up_servers(self) -> None:
        """After a restart. An install needs only q(n') acknowledgements, so the
        last process may have died while a SYNC_WRITE of an installed change was
        still on its way to another server: nothing would send it again, and that
        server would stay in its old epoch for good, holding every newer message.
        In the model the message is still in flight: send it again, with its id,
        to every current server that is behind (`catch_up`). One that does not
        answer (down) is caught up on its own restart."""
        for name in self.env.board.get().servers:
            try:
                entered = self.catch_up(name)
            except (ImplError, ClusterError, grpc.RpcError, ConnectionError) as error:
                self.log.write(f"catch-up of {name} after the restart: {error}\n")
            else:
                if entered:
                    self.log.write(f"caught up {name} after the restart: epochs {entered}\n")

    # -- nodes ---------------------------------------------------------------

    def start_joiner(self, name: str, epoch: int) -> None:
        """Give joining client `name` a server process without a store at
        `epoch`. The intent is committed first: killed from here to the step's
        commit, a restarted manager finds any process of `name` (even one that
        has not written its run file) and replaces it (`reconcile`)."""
        self.journal.set_intent({"do": "join", "node": name, "epoch": epoch})
        stop_all(self.layout, name)  # a joiner of a dead manager: stopped, never doubled
        self._delete_store(name)
        try:
            pid = spawn(self.layout, "impl.cluster.server", name, "--join", str(epoch))
            wait_ready(self.layout, name, pid)
        except ClusterError as error:
            stop_all(self.layout, name)
            self._delete_store(name)
            self.journal.set_intent(None)
            raise Refused(f"{name} could not start as a joiner: {error}") from error
        self._joining = name
        self._pause("joiner-started")

    def retire(self, name: str) -> None:
        """Stop leaving server `name` (in the install's step, before the install
        is recorded: it handles nothing after it). Its store is deleted by the
        step's commit, once the install is committed (`_commit`); the intent,
        committed first, lets a restarted manager finish that (`reconcile`)."""
        change = self.manager.change
        epoch = self.env.board.get().epoch if change is None else change.new.epoch
        run = self.layout.read_run(name)
        # `at_ns`: before the signal, as `check cluster kill`, so that the
        # `killed` line comes before every consequence of the stop in time order
        intent: dict[str, Any] = {
            "do": "retire", "node": name, "epoch": epoch, "at_ns": time.monotonic_ns()
        }  # fmt: skip
        if run is not None:
            intent["pid"] = run["pid"]
        earlier = self.journal.intent()
        if earlier is not None and (earlier["do"], earlier["node"]) == ("retire", name):
            intent = earlier  # a resumed install: the dead manager may have stopped it then
        self.journal.set_intent(intent)
        stop_all(self.layout, name)
        trace = self.layout.trace(name)
        if trace.exists() and last_event(trace) != "killed":  # once, even across a kill
            pid = {"pid": intent["pid"]} if "pid" in intent else {}
            append_event(trace, "killed", int(intent["at_ns"]), node=name, **pid)
        self._retiring = name
        self._pause("leaver-stopped")

    def _delete_store(self, name: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            path = self.layout.db(name)
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def _down(self) -> set[str]:
        down = set()
        for server in self.env.board.get().servers:
            run = self.layout.read_run(server)
            if run is None or not alive(run["pid"]):
                down.add(server)
        return down

    def start(self, node: str) -> Handle:
        """Start the change of `node` (Refused if the guard refuses it now)."""
        cluster = self.layout.read()
        self.env.faulty = frozenset(cluster.faulty) | self._down()
        return self.manager.transform(node)

    def transform(self, node: str) -> dict[str, Any]:
        handle = self.start(node)
        answer = handle.wait(TRANSFORM_TIMEOUT)
        with self.manager.lock:
            pass  # the install's step is committed and cluster.json written
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
        epoch: for each epoch it missed, in order, the SYNC_WRITE(e+1, servers',
        merged) the change sent it, again, with its id. In the model that
        message was in flight all along (a down server is one whose messages
        are not delivered yet), and a server of epoch e applies it. Returns the
        epochs it entered."""
        config = self.env.board.get()
        if name not in config.servers:
            raise Refused(f"{name} is not a server of epoch {config.epoch}")
        entered: list[int] = []
        while (epoch := self._epoch_of(name)) < config.epoch:
            if self.mutant == EMPTY_CATCH_UP:
                self._catch_up_empty(name, epoch)
            else:
                stored = self.journal.sent("SYNC_WRITE", name, epoch + 1)
                if stored is None:
                    raise Refused(
                        f"{name} is at epoch {epoch}, and the manager's journal holds no "
                        f"SYNC_WRITE of epoch {epoch + 1} for it"
                    )
                msg = message_from_json(stored)
                reply = self.transport.exchange(msg, self.recorder.tick())
                if reply is None and self._epoch_of(name) <= epoch:
                    raise Refused(f"{name} did not enter epoch {epoch + 1}")
            entered.append(epoch + 1)
        return entered

    def _catch_up_empty(self, name: str, epoch: int) -> None:
        """The mutant empty-catch-up (the catch-up before the journal): a new
        SYNC_WRITE with no entries, which the model cannot send."""
        cluster = self.layout.read()
        servers = cluster.servers_of(epoch + 1) or list(self.env.board.get().servers)
        payload = {"epoch": epoch + 1, "servers": servers, "entries": []}
        reply = self.transport.request(Message("SYNC_WRITE", MANAGER, name, None, payload))
        if (reply is None or reply.kind != "SYNC_ACK") and self._epoch_of(name) <= epoch:
            raise Refused(f"{name} did not enter epoch {epoch + 1}")

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
                "progress": describe(self.manager.snapshot()["change"], self.journal.intent()),
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
    process.resume()
    if process.restarted:
        threading.Thread(target=process.catch_up_servers, daemon=True, name="catch-up").start()
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
