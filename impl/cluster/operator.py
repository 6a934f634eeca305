"""The operator's commands: up, down, status, kill, restart, transform.

The operator signs its Control calls with the manager's key (it is the one
who runs the manager). `up` writes cluster.json and the keys, starts the
manager and the N servers, and waits until each listens.

    up(Layout("tmp/c"), servers=3)   # [("manager", pid, port), ("s1", pid, port), ...]
    down(Layout("tmp/c"))
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from dataclasses import dataclass
from typing import Any

from impl.cluster import wire_pb2 as wire
from impl.cluster.auth import Keys, generate_key, load_keys
from impl.cluster.errors import BadData, ClusterError, Unanswered, Unreachable
from impl.cluster.journal import describe, read_progress
from impl.cluster.lamport import append_event
from impl.cluster.layout import MANAGER, ClusterFile, Layout
from impl.cluster.spawn import alive, kill, spawn, wait_ready
from impl.cluster.transport import NOT_CONNECTED, Channels, call
from impl.tokens.config import CLIENTS, MAX_SERVERS, MIN_SERVERS, TOKENS, maxf

SERVER_MODULE = "impl.cluster.server"
MANAGER_MODULE = "impl.cluster.manager"


@dataclass(frozen=True)
class Row:
    name: str
    role: str
    epoch: int | None
    port: int | None
    pid: int | None
    health: str
    detail: str = ""


class Operator:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.cluster = layout.read()
        self.keys = Keys(load_keys(layout.root / "keys", [MANAGER]))
        self.channels = Channels(layout)

    def control(
        self, name: str, verb: str, node: str = "", timeout: float = 5.0, retry_for: float = 1.0
    ) -> wire.Outcome:
        body = wire.Command(verb=verb, node=node).SerializeToString()
        return call(
            self.channels, name, "Control",
            lambda: self.keys.sign(MANAGER, name, "Control", body), timeout, retry_for,
        )  # fmt: skip

    def close(self) -> None:
        self.channels.close()

    def server_names(self) -> list[str]:
        """Every node that has a server process or a store: current servers first."""
        current = self.layout.read().current[1]
        extra = [n for n in self.cluster.nodes if n not in current and self.layout.db(n).exists()]
        return [*current, *extra]

    def status(self) -> list[Row]:
        rows = []
        for name in [MANAGER, *self.server_names()]:
            run = self.layout.read_run(name)
            if run is None or not alive(run["pid"]):
                rows.append(Row(name, "manager" if name == MANAGER else "server", None,
                                None if run is None else run["port"],
                                None if run is None else run["pid"], "down",
                                self._stalled() if name == MANAGER else ""))  # fmt: skip
                continue
            outcome = self.control(name, "status", timeout=2.0)
            if outcome.status != "ok":
                rows.append(
                    Row(name, "?", None, run["port"], run["pid"], "unhealthy", outcome.detail)
                )
                continue
            state: dict[str, Any] = json.loads(outcome.json)
            detail = str(state.get("progress", ""))  # the manager's change in progress
            if state.get("role") == "server":
                faulty = " faulty" if state.get("faulty") else ""
                store = (
                    "no store yet (joining)"
                    if state["store"] is None
                    else f"{len(state['store'])} tokens"
                )
                detail = (
                    f"{store}; {state['handled']} handled, {state['refused']} refused, "
                    f"{state['lost']} lost{faulty}"
                )
            rows.append(
                Row(name, state["role"], state["epoch"], run["port"], run["pid"], "ok", detail)
            )
        return rows

    def _stalled(self) -> str:
        """A change the dead manager was making, from its journal: the operator
        should restart the manager, which resumes it."""
        progress = describe(*read_progress(self.layout.db(MANAGER)))
        if not progress:
            return ""
        return f"{progress}; `check cluster restart manager` resumes it"

    def store(self, name: str) -> dict[int, tuple[int, str]] | None:
        outcome = self.control(name, "status", timeout=3.0)
        if outcome.status != "ok":
            raise Unreachable(f"{name}: {outcome.status} {outcome.detail}")
        state = json.loads(outcome.json)
        if state["store"] is None:
            return None
        return {t: (v, o) for t, v, o in state["store"]}

    def kill(self, name: str, force: bool = False) -> int:
        """SIGKILL a server's process (refused beyond the fault bound unless
        forced) or the manager's; its trace records `killed`, which opens the
        window in which its messages may be lost (`check trace DIR` checks it)."""
        current = self.layout.read().current[1]
        if name not in (*current, MANAGER):
            raise BadData(
                f"kill: {name!r} is not a current server; name one of {', '.join(current)} "
                f"or {MANAGER}"
            )
        run = self.layout.read_run(name)
        if run is None or not alive(run["pid"]):
            raise BadData(f"kill: {name} is already down; `check cluster restart {name}` starts it")
        down = {s for s in current if (r := self.layout.read_run(s)) is None or not alive(r["pid"])}
        bad = down | set(self.cluster.faulty) | {name}
        if name != MANAGER and len(bad) > maxf(len(current)) and not force:
            raise BadData(
                f"kill {name}: {len(bad)} servers would be faulty or down "
                f"({', '.join(sorted(bad))}), "
                f"more than maxf({len(current)}) = {maxf(len(current))}: requests could hang; "
                f"pass --force to do it anyway"
            )
        at = time.monotonic_ns()  # before the signal: before every consequence of it
        kill(run["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while alive(run["pid"]) and time.monotonic() < deadline:
            time.sleep(0.01)  # dead before its trace gets the line: no writer left
        append_event(self.layout.trace(name), "killed", at, node=name, pid=run["pid"])
        return run["pid"]

    def restart_manager(self) -> tuple[int, int]:
        """Start the manager again: it reads the installed configuration from
        cluster.json and its journal, and resumes a change in progress when it
        died (impl/cluster/journal.py)."""
        run = self.layout.read_run(MANAGER)
        if run is not None and alive(run["pid"]):
            raise BadData(f"restart: the manager is running (pid {run['pid']})")
        pid = spawn(self.layout, MANAGER_MODULE, MANAGER)
        return pid, wait_ready(self.layout, MANAGER, pid)

    def restart(self, name: str) -> tuple[int, int]:
        """Start a killed server again on its old port, with its store; if role
        changes were installed while it was down, the manager brings it to the
        installed epoch (Manager process `catch_up`)."""
        if name == MANAGER:
            return self.restart_manager()
        if name not in self.server_names():
            raise BadData(f"restart: {name!r} is not a server of this cluster")
        run = self.layout.read_run(name)
        if run is not None and alive(run["pid"]):
            raise BadData(f"restart: {name} is running (pid {run['pid']}); kill it first")
        port = 0 if run is None else run["port"]
        pid = spawn(self.layout, SERVER_MODULE, name, "--port", str(port))
        port = wait_ready(self.layout, name, pid)
        epoch, servers = self.layout.read().current
        if epoch > 0 and name in servers:
            outcome = self.control(MANAGER, "catchup", name, timeout=30.0)
            if outcome.status != "ok":
                raise ClusterError(
                    f"restart {name}: it runs, but could not catch up: {outcome.detail}; "
                    f"if the manager is down, `check cluster restart manager` catches it up"
                )
        return pid, port

    def transform(self, node: str, timeout: float = 40.0) -> dict[str, Any]:
        if node not in self.cluster.nodes:
            raise BadData(
                f"transform: unknown node {node!r}; name one of {', '.join(self.cluster.nodes)}"
            )
        # not retried: a manager that died after taking it may be running again,
        # and resumes the change itself; a second transform would be another change.
        # So a fresh channel, to the port of the manager running now.
        self.channels.stub(MANAGER, refresh=True)
        outcome = self.control(MANAGER, "transform", node, timeout=timeout, retry_for=0.0)
        if outcome.status == "unreachable" and any(w in outcome.detail for w in NOT_CONNECTED):
            raise Unreachable(
                f"transform {node}: the manager is unreachable ({outcome.detail}); nothing "
                f"changed; `check cluster restart manager` starts it"
            )
        if outcome.status == "unreachable":
            raise Unanswered(
                f"transform {node}: no answer from the manager ({outcome.detail}); if it died "
                f"during the change, `check cluster restart manager` resumes and installs it"
            )
        if outcome.status != "ok":
            raise ClusterError(f"transform {node}: {outcome.status}: {outcome.detail}")
        result: dict[str, Any] = json.loads(outcome.json)
        return result


def up(
    layout: Layout,
    servers: int,
    faulty: list[str] | None = None,
    drop: float = 0.0,
    tokens: int = TOKENS,
    clients: int = CLIENTS,
    trace: bool = True,
) -> list[tuple[str, int, int]]:
    """Create the data folder and start the manager and the servers."""
    if not MIN_SERVERS <= servers <= MAX_SERVERS:
        raise BadData(f"--servers: expected {MIN_SERVERS}..{MAX_SERVERS}, got {servers}")
    if layout.exists():
        running = [
            n
            for n in [*layout.read().nodes, MANAGER]
            if (r := layout.read_run(n)) and alive(r["pid"])
        ]
        if running:
            raise BadData(
                f"{layout.root}: a cluster is running there ({', '.join(running)}); "
                f"`check cluster down --data {layout.root}` first, or choose another --data"
            )
        # a stopped cluster of ours: start afresh, removing only what `up` makes
        for sub in ("keys", "run", "db", "logs", "traces", "ops"):
            shutil.rmtree(layout.root / sub, ignore_errors=True)
    names = [f"s{i}" for i in range(1, servers + 1)]
    faulty = faulty or []
    unknown = [s for s in faulty if s not in names]
    if unknown:
        raise BadData(
            f"--faulty: {', '.join(unknown)} are not servers; name some of {', '.join(names)}"
        )
    if len(set(faulty)) > maxf(servers):
        raise BadData(
            f"--faulty: {len(set(faulty))} faulty, but {servers} servers tolerate "
            f"maxf={maxf(servers)}; name fewer"
        )
    if not 0.0 <= drop <= 1.0:
        raise BadData(f"--drop: expected a probability in 0..1, got {drop}")
    data = ClusterFile(
        servers=names, clients=[f"c{i}" for i in range(1, clients + 1)], tokens=tokens,
        faulty=sorted(set(faulty)), drop=drop, configs=[(0, names)], trace=trace,
    )  # fmt: skip
    layout.make_dirs()
    for name in [*data.nodes, MANAGER]:
        generate_key(layout.key(name))
    layout.write(data)
    started: list[tuple[str, int, int]] = []
    try:
        pids = [(MANAGER, spawn(layout, MANAGER_MODULE, MANAGER))]
        pids += [(name, spawn(layout, SERVER_MODULE, name)) for name in names]
        for name, pid in pids:
            started.append((name, pid, wait_ready(layout, name, pid)))
    except ClusterError:
        down(layout)
        raise
    return started


def down(layout: Layout, timeout: float = 5.0) -> list[str]:
    """Stop every process of the cluster (SIGTERM, then SIGKILL); keep the data."""
    cluster = layout.read()
    stopped = []
    for name in [MANAGER, *cluster.nodes]:
        run = layout.read_run(name)
        if run is None:
            continue
        if alive(run["pid"]):
            kill(run["pid"], signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while alive(run["pid"]) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(run["pid"]):
                kill(run["pid"], signal.SIGKILL)
            stopped.append(name)
        layout.run(name).unlink(missing_ok=True)
    return stopped
