"""A whole system: servers s1..sN, clients c1..c6, the manager, a network,
and one recorder; built threaded or step-by-step from the same node code.

    with Cluster(Params(servers=3, drop=0.3)) as system:
        print(system.run(system.pay("c1", 0, "c2")))      # OK(2)
        print(system.run(system.gettokens("c2", "c2")))   # [(0, 2), (1, 1), ...]

In step mode nothing moves until the scheduler delivers; `run(handle)` drives
it with the seeded random policy (or FIFO, fault-free) until the handle is
answered. Arguments are checked first: a bad one raises BadCommand naming it,
and nothing changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from impl.tokens.actor import Env
from impl.tokens.client import submit
from impl.tokens.config import Board, Configuration, Params, maxf
from impl.tokens.errors import BadCommand, ImplError, NotAClient, Refused
from impl.tokens.manager import MANAGER, Manager
from impl.tokens.network import ThreadedNetwork
from impl.tokens.node import Node
from impl.tokens.operations import Answer, GetTokens, Handle, Pay
from impl.tokens.recorder import Recorder
from impl.tokens.scheduler import Scheduler, StepNetwork
from impl.tokens.server import Store

MODES = ("threaded", "step")


@dataclass(frozen=True, slots=True)
class NodeStatus:
    name: str
    role: str
    epoch: int | None  # a server's epoch; a client's pending phase epoch, if any
    faulty: bool
    detail: str


class Cluster:
    """Builds and drives one system. `mode`: "threaded" (real threads, delays,
    losses) or "step" (a scheduler moves one message at a time). In step mode
    `policy` is "random" (seeded; drops lossy messages with probability
    params.drop) or "fifo" (oldest first, no drops)."""

    def __init__(
        self,
        params: Params,
        mode: str = "threaded",
        recorder: Recorder | None = None,
        policy: str = "random",
    ) -> None:
        if mode not in MODES:
            raise BadCommand(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
        self.params = params
        self.mode = mode
        self.policy = policy
        self.recorder = recorder or Recorder()
        self.env = Env(params, Board(Configuration(0, params.server_names())), self.recorder)
        self.env.faulty = frozenset(params.faulty_names())
        for name in params.server_names():
            self.env.nodes[name] = Node(name, self.env, "server")
        for name in params.client_names():
            self.env.nodes[name] = Node(name, self.env, "client")
        self.manager = Manager(self.env, self._notify_install)
        actors = {**self.env.nodes, MANAGER: self.manager}
        self.rng = random.Random(params.seed)
        # Step mode can leave restarts to the caller (`restart_phase`): the design
        # lets a phase restart at any moment after a newer install.
        self.defer_restarts = False
        self.scheduler: Scheduler | None = None
        self.network: ThreadedNetwork | None = None
        if mode == "threaded":
            self.network = ThreadedNetwork(self.env, actors, self.rng)
            self.env.transport = self.network
            self.network.start()
        else:
            step_network = StepNetwork(self.env, actors)
            self.env.transport = step_network
            self.scheduler = Scheduler(step_network)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.network is not None:
            self.network.stop()
        self.recorder.flush()

    # -- queries -------------------------------------------------------------

    def configuration(self) -> Configuration:
        return self.env.board.get()

    def clients(self) -> tuple[str, ...]:
        """Current clients, in name order."""
        return tuple(n for n, node in sorted(self.env.nodes.items()) if node.client is not None)

    def servers(self) -> tuple[str, ...]:
        return self.configuration().servers

    def status(self) -> list[NodeStatus]:
        rows = []
        for name in _node_order(self.env.nodes):
            node = self.env.nodes[name]
            with node.lock:
                if node.server is not None:
                    epoch: int | None = node.server.epoch
                    joining = name not in self.configuration().servers
                    detail = (
                        "joining, no store yet"
                        if node.server.store is None
                        else ("joining" if joining else "")
                    )
                    if node.server.held:
                        detail = f"{detail}; {len(node.server.held)} held".lstrip("; ")
                else:
                    assert node.client is not None
                    p = node.client.pending
                    epoch = None if p is None else p.epoch
                    detail = "idle" if p is None else f"op {p.op} {p.call} in {p.phase} phase"
                rows.append(NodeStatus(name, node.role, epoch, name in self.env.faulty, detail))
        return rows

    def store(self, server: str) -> Store:
        """A copy of a server's store; BadCommand if `server` is not a server."""
        node = self.env.nodes.get(server)
        if node is None or node.server is None:
            raise BadCommand(
                f"{server!r} is not a server; name one of {', '.join(self._servers_with_role())}"
            )
        with node.lock:
            if node.server.store is None:
                raise Refused(f"{server} is joining and has no store yet; ask again once installed")
            return dict(node.server.store)

    def stores(self) -> dict[str, Store | None]:
        """Copies of the current servers' stores; None for a joiner still waiting
        for its SYNC_WRITE (possible after install: only q(n') acknowledged)."""
        result: dict[str, Store | None] = {}
        for server in self.servers():
            node = self.env.nodes[server]
            with node.lock:
                store = None if node.server is None else node.server.store
                result[server] = None if store is None else dict(store)
        return result

    def _servers_with_role(self) -> list[str]:
        return [n for n in _node_order(self.env.nodes) if self.env.nodes[n].server is not None]

    # -- commands ------------------------------------------------------------

    def pay(self, client: str, token: int, to: str) -> Handle:
        """Start `pay(token, to)` at `client` (queued behind its pending operation)."""
        self._check_client(client, "client")
        if not isinstance(token, int) or not 0 <= token < self.params.tokens:
            raise BadCommand(f"token: expected 0..{self.params.tokens - 1}, got {token!r}")
        self._check_client(to, "payee")
        if to == client:
            raise BadCommand(f"payee: {client} cannot pay itself; name another client")
        # Under the payee's lock: it cannot start joining between the check and
        # the queueing (a join refuses while a queued operation names it).
        with self.env.nodes[to].lock:
            self._check_client(to, "payee")
            return submit(self.env.nodes[client], Pay(token, to))

    def gettokens(self, client: str, owner: str) -> Handle:
        """Start `gettokens(owner)` at `client`."""
        self._check_client(client, "client")
        self._check_client(owner, "owner")
        with self.env.nodes[owner].lock:  # as in pay
            self._check_client(owner, "owner")
            return submit(self.env.nodes[client], GetTokens(owner))

    def submit_unchecked(self, client: str, call: Pay | GetTokens) -> Handle:
        """Start an operation without the payee/owner checks: for re-runs of
        operations that were valid when first invoked."""
        return submit(self.env.nodes[client], call)

    def transform(self, node: str) -> Handle:
        """Start a role change of `node` (see impl/manager.py for the rules)."""
        if node not in self.env.nodes:
            raise BadCommand(
                f"node: unknown {node!r}; name a server or client among "
                f"{', '.join(_node_order(self.env.nodes))}"
            )
        return self.manager.transform(node)

    def set_faults(self, names: list[str]) -> None:
        """Make exactly `names` faulty. They must be current servers, no more than maxf(n)."""
        servers = self.configuration().servers
        bad = [n for n in names if n not in servers]
        if bad:
            raise BadCommand(
                f"faults set: {', '.join(bad)} are not current servers (clients are correct); "
                f"name servers among {', '.join(servers)}"
            )
        if len(set(names)) > maxf(len(servers)):
            raise Refused(
                f"faults set: {len(set(names))} faulty servers, but {len(servers)} servers "
                f"tolerate at most maxf({len(servers)}) = {maxf(len(servers))}; name fewer"
            )
        self.env.faulty = frozenset(names)
        self.recorder.record("faults", faulty=sorted(set(names)))

    def _check_client(self, name: object, what: str) -> None:
        node = self.env.nodes.get(name) if isinstance(name, str) else None
        if node is None:
            raise BadCommand(
                f"{what}: unknown node {name!r}; name a current client among "
                f"{', '.join(self.clients())}"
            )
        if node.client is None:
            raise NotAClient(
                f"{what}: {name} is a server now, not a client; name a current client "
                f"among {', '.join(self.clients())}"
            )

    # -- driving -------------------------------------------------------------

    def run(self, handle: Handle, timeout: float | None = None) -> Answer:
        """Wait for (threaded) or drive the scheduler to (step) the handle's answer."""
        if self.scheduler is None:
            return handle.wait(self.params.timeout if timeout is None else timeout)
        if self.policy == "fifo":
            self.scheduler.run_fifo(lambda: handle.done)
        else:
            self.scheduler.run_random(self.rng, self.params.drop, lambda: handle.done)
        if not handle.done:
            raise ImplError(
                f"{handle.node}: {handle.call} cannot complete in step mode: no enabled step "
                f"leads to its answer (in flight: {len(self.scheduler.in_flight())})"
            )
        assert handle.answer is not None
        return handle.answer

    def quiesce(self, timeout: float = 5.0) -> bool:
        """Let in-flight messages land: threaded, wait for them; step, deliver
        every deliverable message (dropping none)."""
        if self.network is not None:
            return self.network.quiesce(timeout)
        assert self.scheduler is not None
        self.scheduler.run_fifo(lambda: False, max_steps=1_000_000)
        return True

    def inject(self, dst: str, raw: object) -> None:
        """Deliver anything to a node, bypassing validation at the sender: for tests."""
        if self.network is not None:
            self.network.inject(dst, raw)
        else:
            assert self.scheduler is not None
            self.scheduler.inject(dst, raw)

    def restart_phase(self, client: str) -> bool:
        """Restart `client`'s pending phase in the installed configuration, if
        it is of an older epoch (with `defer_restarts`); True if it restarted."""
        node = self.env.nodes[client]
        with node.lock:
            p = None if node.client is None else node.client.pending
            if node.client is None or p is None or p.epoch >= self.configuration().epoch:
                return False
            node.client.on_install(self.configuration())
            return True

    def _notify_install(self, config: Configuration) -> None:
        if self.defer_restarts:
            return
        for name in _node_order(self.env.nodes):
            node = self.env.nodes[name]
            with node.lock:
                if node.client is not None:
                    node.client.on_install(config)

    def header(self) -> dict[str, Any]:
        return {"mode": self.mode, "seed": self.params.seed, "params": self.params.to_json()}


def _node_order(nodes: dict[str, Node]) -> list[str]:
    """s1..sN then c1..cK, numerically (s10 after s9)."""
    return sorted(nodes, key=lambda n: (n[0] != "s", n[0], int(n[1:]) if n[1:].isdigit() else 0))
