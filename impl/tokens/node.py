"""A node: a fixed name and a role, server or client, that can change.

The same node code runs under threads (impl/network.py) and under the
step-by-step scheduler (impl/scheduler.py); the role objects in impl/server.py
and impl/client.py hold the protocol.
"""

from __future__ import annotations

from typing import Any

from impl.tokens.actor import Actor, Effect, Env
from impl.tokens.client import ClientRole
from impl.tokens.errors import Refused
from impl.tokens.messages import Message
from impl.tokens.server import ServerRole, initial_store


def _queued_naming(node: Node, name: str) -> bool:
    with node.lock:
        return node.client is not None and node.client.queued_naming(name)


class Node(Actor):
    """A server or a client. Exactly one of `server` and `client` is set."""

    def __init__(self, name: str, env: Env, role: str) -> None:
        super().__init__(name, env)
        self.ops_started = 0
        self.server: ServerRole | None = None
        self.client: ClientRole | None = None
        if role == "server":
            self.server = ServerRole(self, epoch=0, store=initial_store(env.params))
        else:
            self.client = ClientRole(self)

    @property
    def role(self) -> str:
        return "server" if self.server is not None else "client"

    def accepts_now(self, msg: Message) -> bool:
        with self.lock:
            return self.server is None or self.server.accepts_now(msg)

    def handle(self, msg: Message) -> Effect | None:
        if self.server is not None:
            return self.server.handle(msg)
        assert self.client is not None
        return self.client.handle(msg)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            if self.server is not None:
                return self.server.snapshot()
            assert self.client is not None
            return self.client.snapshot()

    def become_joiner(self, epoch: int) -> None:
        """Start of a join: an idle client becomes a server without a store at
        `epoch`; from now on it starts no operation and is paid nothing."""
        with self.lock:
            if self.client is None:
                raise Refused(f"{self.name} is already a server; name a client to add a server")
            if not self.client.idle:
                raise Refused(
                    f"{self.name} is not idle (an operation is pending or queued); "
                    f"wait for its answers, then transform it"
                )
            # An operation queued at another client and naming this node would
            # start after the join and pay a server (PROTOCOL.md: a joiner is
            # paid nothing): refuse until it has started.
            waiting = [
                n.name
                for n in self.env.nodes.values()
                if n is not self and n.client is not None and _queued_naming(n, self.name)
            ]
            if waiting:
                raise Refused(
                    f"{self.name} cannot join yet: {', '.join(sorted(waiting))} queued an "
                    f"operation naming it; wait for it to start, then transform {self.name}"
                )
            self.client = None
            # mutant no-state-transfer: the joiner starts from the initial store
            store = (
                None if self.env.params.variant.state_transfer else initial_store(self.env.params)
            )
            self.server = ServerRole(self, epoch=epoch, store=store)
            self.env.recorder.record("role", self.snapshot, node=self.name, role="server")

    def become_client(self) -> None:
        """Install of a leave: the server becomes an idle client with an empty store."""
        with self.lock:
            if self.server is None:
                return
            held = self.server.held
            self.server = None
            self.client = ClientRole(self)
            for msg in held:
                self.record_delivery(msg, Effect(f"discarded: {self.name} is no longer a server"))
            self.env.recorder.record("role", self.snapshot, node=self.name, role="client")
