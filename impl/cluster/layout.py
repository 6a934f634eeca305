"""The data folder that names a cluster, and its `cluster.json`.

    DIR/cluster.json        parameters, faults, configurations (epoch -> servers)
    DIR/keys/NAME.key       each node's and the manager's HMAC key (mode 0600)
    DIR/run/NAME.json       a running process: pid and port (removed when it stops)
    DIR/db/NAME.sqlite      a server's durable store and epoch (WAL)
    DIR/logs/NAME.log       what a process refused, and why
    DIR/traces/NAME.jsonl   a process's events, with Lamport clocks
    DIR/ops/NAME            a client's last operation number (clients are sequential)

Every process reads `cluster.json`; only `cluster up` and the manager write it
(atomically: a temporary file renamed over it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from impl.cluster.errors import BadData

DEFAULT_DIR = "tokencheck-cluster"
MANAGER = "manager"


@dataclass
class ClusterFile:
    """The contents of DIR/cluster.json."""

    servers: list[str]
    clients: list[str]
    tokens: int
    faulty: list[str] = field(default_factory=list)
    drop: float = 0.0
    configs: list[tuple[int, list[str]]] = field(default_factory=list)
    trace: bool = True  # servers write DIR/traces/NAME.jsonl

    @property
    def nodes(self) -> list[str]:
        """Every node that can hold a role: the initial servers, then the clients."""
        return [*self.servers, *self.clients]

    @property
    def current(self) -> tuple[int, list[str]]:
        return self.configs[-1]

    def servers_of(self, epoch: int) -> list[str] | None:
        for e, servers in self.configs:
            if e == epoch:
                return servers
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "servers": self.servers,
            "clients": self.clients,
            "tokens": self.tokens,
            "faulty": self.faulty,
            "drop": self.drop,
            "configs": [{"epoch": e, "servers": s} for e, s in self.configs],
            "trace": self.trace,
        }


class Layout:
    """Paths inside one data folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def config_path(self) -> Path:
        return self.root / "cluster.json"

    @property
    def config_lock(self) -> Path:
        """The flock of `impl.cluster.config_lock`: installs and phase starts."""
        return self.root / "run" / "config.lock"

    def key(self, name: str) -> Path:
        return self.root / "keys" / f"{name}.key"

    def run(self, name: str) -> Path:
        return self.root / "run" / f"{name}.json"

    def db(self, name: str) -> Path:
        return self.root / "db" / f"{name}.sqlite"

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def trace(self, name: str) -> Path:
        return self.root / "traces" / f"{name}.jsonl"

    def make_dirs(self) -> None:
        for sub in ("keys", "run", "db", "logs", "traces", "ops"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "keys", 0o700)

    def exists(self) -> bool:
        return self.config_path.is_file()

    def read(self) -> ClusterFile:
        """cluster.json, or BadData naming the file and the fix."""
        path = self.config_path
        if not path.is_file():
            raise BadData(
                f"{path}: no cluster here; start one with `check cluster up --data {self.root}` "
                f"or pass the --data folder of a running cluster"
            )
        try:
            raw = json.loads(path.read_text())
            return ClusterFile(
                servers=[str(s) for s in raw["servers"]],
                clients=[str(c) for c in raw["clients"]],
                tokens=int(raw["tokens"]),
                faulty=[str(s) for s in raw["faulty"]],
                drop=float(raw["drop"]),
                configs=[(int(c["epoch"]), [str(s) for s in c["servers"]]) for c in raw["configs"]],
                trace=bool(raw.get("trace", True)),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise BadData(
                f"{path}: unreadable ({error}); it is written by `check cluster up`: "
                f"remove the folder and start again"
            ) from error

    def write(self, data: ClusterFile) -> None:
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data.to_json(), indent=1) + "\n")
        os.replace(tmp, self.config_path)

    def read_run(self, name: str) -> dict[str, int] | None:
        """The pid and port of `name`'s process, if it wrote them."""
        try:
            raw = json.loads(self.run(name).read_text())
            return {"pid": int(raw["pid"]), "port": int(raw["port"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_run(self, name: str, pid: int, port: int) -> None:
        tmp = self.run(name).with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": pid, "port": port}))
        os.replace(tmp, self.run(name))
