"""The configuration manager: one role change at a time, by state transfer.

`transform(x)`: a server leaves (becomes a client with an empty store) or an
idle client joins as a server. From epoch e to e+1: SYNC_READ(e) to the
servers of e; after q(n) SYNC_STATE replies, merge them (highest version per
token) and send SYNC_WRITE(e+1, servers', merged) to every new server; after
q(n') SYNC_ACKs, install (e+1, servers') and let pending client phases restart.

Refusals (nothing changes): another change in progress, fewer than 3 or more
than 7 servers after the change, more than maxf(n') faulty servers in the new
configuration, a joining client that is not idle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from impl.tokens.actor import Actor, Effect, Env
from impl.tokens.config import MAX_SERVERS, MIN_SERVERS, Configuration, maxf
from impl.tokens.errors import Refused
from impl.tokens.messages import Message
from impl.tokens.operations import Handle, Installed
from impl.tokens.server import Store, merge_into, store_entries

MANAGER = "manager"


@dataclass
class Change:
    node: str
    joining: bool
    old: Configuration
    new: Configuration
    handle: Handle
    step: str = "sync-read"
    read_from: set[str] = field(default_factory=set)
    merged: Store = field(default_factory=dict)
    acks: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "joining": self.joining,
            "from": {"epoch": self.old.epoch, "servers": list(self.old.servers)},
            "to": {"epoch": self.new.epoch, "servers": list(self.new.servers)},
            "step": self.step,
            "read_from": sorted(self.read_from),
            "acks": sorted(self.acks),
        }


class Manager(Actor):
    """The operator's `transform` command, run as a correct node named `manager`.

    `on_install` is called (under the manager's lock) after each install, to
    tell the clients; the cluster supplies it."""

    def __init__(self, env: Env, on_install: Callable[[Configuration], None]) -> None:
        super().__init__(MANAGER, env)
        self.change: Change | None = None
        self._on_install = on_install

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "role": "manager",
                "change": None if self.change is None else self.change.to_json(),
            }

    def check(self, x: str) -> tuple[Configuration, Configuration, bool]:
        """Guard of `transform(x)`: the old and new configurations and whether x
        joins, or Refused saying which rule the change would break."""
        if self.change is not None:
            raise Refused(
                f"a role change of {self.change.node} is in progress; wait for it to install"
            )
        if x not in self.env.nodes:
            known = ", ".join(sorted(self.env.nodes))
            raise Refused(f"unknown node {x!r}; name one of {known}")
        old = self.env.board.get()
        joining = x not in old.servers
        n = len(old.servers)
        if joining and n >= MAX_SERVERS:
            raise Refused(
                f"{x} cannot join: there are already {n} servers, at most {MAX_SERVERS} "
                f"allowed; transform a server into a client first"
            )
        if not joining and n <= MIN_SERVERS:
            raise Refused(
                f"{x} cannot leave: there are {n} servers, at least {MIN_SERVERS} must stay; "
                f"transform a client into a server first"
            )
        servers = (*old.servers, x) if joining else tuple(s for s in old.servers if s != x)
        faulty = sorted(s for s in servers if s in self.env.faulty)
        if len(faulty) > maxf(len(servers)):
            raise Refused(
                f"transform {x} refused: the new configuration of {len(servers)} servers would "
                f"hold {len(faulty)} faulty servers ({', '.join(faulty)}), more than "
                f"maxf({len(servers)}) = {maxf(len(servers))}; change another node, or "
                f"choose other faulty servers with `faults set`"
            )
        return old, Configuration(old.epoch + 1, servers), joining

    def transform(self, x: str) -> Handle:
        """ManagerStartChange: check, then send SYNC_READ(e) to the servers of e."""
        with self.lock:
            old, new, joining = self.check(x)
            if joining:
                self.env.nodes[x].become_joiner(old.epoch)  # refuses a busy client
            handle = Handle(MANAGER, f"transform({x})", self.progress)
            self.change = Change(x, joining, old, new, handle)
            handle.invoked_seq = self.env.recorder.record(
                "reconfig", self.snapshot, step="start", node=x, epoch=new.epoch
            )
            for server in old.servers:
                self.send("SYNC_READ", server, None, {"epoch": old.epoch})
            return handle

    def progress(self) -> tuple[str, tuple[str, ...]]:
        with self.lock:
            c = self.change
            if c is None:
                return ("none", ())
            if c.step == "sync-read":
                return ("sync-read", tuple(s for s in c.old.servers if s not in c.read_from))
            return ("sync-write", tuple(s for s in c.new.servers if s not in c.acks))

    def handle(self, msg: Message) -> Effect | None:
        c = self.change
        if msg.kind not in ("SYNC_STATE", "SYNC_ACK"):
            return Effect(f"discarded: {msg.kind} is not for the manager")
        if c is None:
            return Effect("ignored: no change in progress")
        if msg.kind == "SYNC_STATE":
            return self._on_sync_state(c, msg)
        return self._on_sync_ack(c, msg)

    def _on_sync_state(self, c: Change, msg: Message) -> Effect | None:
        """ManagerReceiveSyncState: merge; at q(n) send SYNC_WRITE(e+1) to the new servers."""
        if c.step != "sync-read" or msg.epoch != c.old.epoch:
            return Effect("ignored: not for the current sync-read")
        if msg.src not in c.old.servers or msg.src in c.read_from:
            return Effect(f"ignored: {msg.src} already answered or not a server of the old epoch")
        c.read_from.add(msg.src)
        merge_into(c.merged, [tuple(e) for e in msg.payload["entries"]])
        need = self.env.params.variant.quorum(len(c.old.servers))
        if len(c.read_from) < need:
            return Effect(f"counted {len(c.read_from)}/{need}", changed=True)
        c.step = "sync-write"
        self.record_delivery(msg, Effect("quorum reached", changed=True))
        self.env.recorder.record(
            "reconfig", self.snapshot, step="merge", node=c.node, epoch=c.new.epoch
        )
        payload = {
            "epoch": c.new.epoch,
            "servers": list(c.new.servers),
            # mutant no-state-transfer: nothing moves
            "entries": store_entries(c.merged) if self.env.params.variant.state_transfer else [],
        }
        for server in c.new.servers:
            self.send("SYNC_WRITE", server, None, payload)
        return None

    def _on_sync_ack(self, c: Change, msg: Message) -> Effect | None:
        """ManagerInstall: at q(n') acknowledgements install (e+1, servers')."""
        if c.step != "sync-write" or msg.epoch != c.new.epoch:
            return Effect("ignored: not for the current sync-write")
        if msg.src not in c.new.servers or msg.src in c.acks:
            return Effect(f"ignored: {msg.src} already acknowledged or not a new server")
        c.acks.add(msg.src)
        need = self.env.params.variant.quorum(len(c.new.servers))
        if len(c.acks) < need:
            return Effect(f"counted {len(c.acks)}/{need}", changed=True)
        # The install is one step, as in the specification: no client starts a
        # phase, and the leaving server handles nothing, between the quorum and
        # the leaver becoming a client (check trace follows the recorded order).
        leaver = None if c.joining else self.env.nodes[c.node]
        with self.env.board.transition, leaver.lock if leaver else contextlib.nullcontext():
            self.record_delivery(msg, Effect("quorum reached", changed=True))
            self.env.board.install(c.new)
            if leaver is not None:
                leaver.become_client()
            self.change = None
            seq = self.env.recorder.record(
                "reconfig",
                self.snapshot,
                step="install",
                node=c.node,
                epoch=c.new.epoch,
                servers=list(c.new.servers),
            )
        self._on_install(c.new)
        c.handle.resolve(Installed(c.new.epoch, c.new.servers), seq)
        return None
