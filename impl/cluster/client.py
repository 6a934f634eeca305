"""A client of the live cluster: impl/tokens' client node, over gRPC.

    with ClusterClient(Layout("tokencheck-cluster"), "c1") as c1:
        print(c1.pay(0, "c2"))          # OK(2)
        print(c1.gettokens("c2"))       # [(0, 2), (1, 1), ...]

The client runs the ClientRole of impl/tokens unchanged (read phase, then
write or write-back, each to a quorum of the installed configuration,
restarting in a newer one). It reads the installed configuration from
cluster.json and watches it, so a phase restarts after a role change. Its
operation numbers continue across processes (DIR/ops/NAME, under a file lock):
one name, one sequential client.
"""

from __future__ import annotations

import fcntl
import os
import threading
from types import TracebackType

from impl.cluster.auth import Keys, load_keys
from impl.cluster.config_lock import ConfigLock
from impl.cluster.errors import BadData
from impl.cluster.journal import read_installed
from impl.cluster.lamport import LamportRecorder
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.transport import RpcTransport
from impl.tokens.actor import Env
from impl.tokens.client import submit
from impl.tokens.config import Board, Configuration, Params
from impl.tokens.errors import BadCommand, NotAClient
from impl.tokens.node import Node
from impl.tokens.operations import Answer, GetTokens, Handle, Pay

WATCH_EVERY = 0.1


class ClusterClient:
    def __init__(
        self, layout: Layout, name: str, trace: bool = False, keys: Keys | None = None
    ) -> None:
        self.layout = layout
        self.name = name
        cluster = layout.read()
        self.cluster = cluster
        if name not in cluster.clients and name not in cluster.servers:
            raise BadData(
                f"client: unknown node {name!r}; name one of {', '.join(cluster.clients)}"
            )
        epoch, servers = cluster.current
        if name in servers:
            raise NotAClient(f"{name} is a server now, not a client; name a current client")
        if keys is None:
            keys = Keys(load_keys(layout.root / "keys", [name, *cluster.nodes]))
        try:
            self._lock_file = open(layout.root / "ops" / name, "a+")  # noqa: SIM115
        except OSError as error:
            raise BadData(
                f"{layout.root / 'ops' / name}: cannot open ({error.strerror}); "
                f"is --data the folder of a cluster started by `check cluster up`?"
            ) from error
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self._lock_file.close()
            raise BadCommand(
                f"{name} is busy in another process (a client is sequential); "
                f"wait for it or use another client"
            ) from error
        self._lock_file.seek(0)
        text = self._lock_file.read().strip()
        sink = None
        if trace:
            sink = open(layout.trace(f"{name}-{os.getpid()}"), "a", buffering=1)  # noqa: SIM115
        self.recorder = LamportRecorder(name, sink=sink)
        params = Params(
            servers=len(cluster.servers), clients=len(cluster.clients), tokens=cluster.tokens,
            faulty=(),
        )  # fmt: skip
        self.board = Board(Configuration(epoch, tuple(servers)))
        # a phase starts under the cluster's config lock, in the newest installed
        # configuration (impl.cluster.config_lock)
        self._config_lock = ConfigLock(layout.config_lock, on_acquire=self._refresh)
        self.board.transition = self._config_lock
        self.env = Env(params, self.board, self.recorder)
        self.node = Node(name, self.env, "client")
        ops, clock = ([*text.split(), "0", "0"])[:2] if text else ("0", "0")
        self.node.ops_started = int(ops) if ops.isdigit() else 0
        # the same client's next process continues its Lamport clock: causality across runs
        self.recorder.observe(int(clock) if clock.isdigit() else 0)
        self.env.nodes[name] = self.node
        self.transport = RpcTransport(lambda: self.node, layout, keys, self.recorder)
        self.env.transport = self.transport
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name=f"watch-{name}")
        self._watcher.start()

    def _refresh(self) -> None:
        """Under the config lock: install what the manager's journal has installed."""
        newest = read_installed(self.layout.db(MANAGER))
        if newest is not None and newest[0] > self.board.get().epoch:
            self.board.install(Configuration(newest[0], tuple(newest[1])))

    def _watch(self) -> None:
        """Install newer configurations as the manager writes them; restart phases."""
        while not self._stop.wait(WATCH_EVERY):
            try:
                epoch, servers = self.layout.read().current
            except BadData:
                continue
            if epoch > self.board.get().epoch:
                config = Configuration(epoch, tuple(servers))
                self.board.install(config)
                with self.node.lock:
                    if self.node.client is not None:
                        self.node.client.on_install(config)

    def _save_ops(self) -> None:
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{self.node.ops_started} {self.recorder.clock}")
        self._lock_file.flush()

    def submit(self, call: Pay | GetTokens) -> Handle:
        self._check(call)
        handle = submit(self.node, call)
        self._save_ops()
        return handle

    def _check(self, call: Pay | GetTokens) -> None:
        clients = [c for c in self.cluster.nodes if c not in self.board.get().servers]
        who = call.to if isinstance(call, Pay) else call.owner
        if who not in clients:
            raise BadCommand(f"{who!r} is not a current client; name one of {', '.join(clients)}")
        if isinstance(call, Pay):
            if not 0 <= call.token < self.cluster.tokens:
                raise BadCommand(f"token: expected 0..{self.cluster.tokens - 1}, got {call.token}")
            if call.to == self.name:
                raise BadCommand(f"payee: {self.name} cannot pay itself; name another client")

    def pay(self, token: int, to: str, timeout: float = 10.0) -> Answer:
        return self.submit(Pay(token, to)).wait(timeout)

    def gettokens(self, owner: str, timeout: float = 10.0) -> Answer:
        return self.submit(GetTokens(owner)).wait(timeout)

    def close(self) -> None:
        self._save_ops()
        self._stop.set()
        self.transport.stop()
        self.recorder.flush()
        self._lock_file.close()
        self._config_lock.close()

    def __enter__(self) -> ClusterClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
