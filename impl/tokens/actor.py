"""What every message handler stands on: the shared environment of a system,
the transport interface, and the Actor base class that receives messages.

Every handler runs under its actor's lock, so an actor's state changes one
message at a time whichever driver (threads or the step scheduler) delivers.
A malformed message, or any error in a handler, is recorded as `bad-message`
and dropped: an actor never dies of its input.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from impl.tokens.config import Board, Params
from impl.tokens.errors import BadMessage
from impl.tokens.messages import Message, Tag, server_end, validate
from impl.tokens.recorder import Recorder

if TYPE_CHECKING:
    from impl.tokens.node import Node


class Transport(Protocol):
    """What a node needs from the network: send one message (non-blocking)."""

    def send(self, msg: Message) -> None: ...


@dataclass(eq=False)
class Env:
    """What every node of one system shares: parameters, the installed
    configuration, the recorder, the transport, who is faulty, and the nodes."""

    params: Params
    board: Board
    recorder: Recorder
    faulty: frozenset[str] = frozenset()
    transport: Transport | None = None
    nodes: dict[str, Node] = field(default_factory=dict)

    def is_lossy(self, name: str) -> bool:
        """Messages to or from `name` may be lost: it is faulty and acts as a server."""
        node = self.nodes.get(name)
        return name in self.faulty and node is not None and node.server is not None

    def may_lose(self, msg: Message) -> bool:
        """`msg` may be lost: its server end is lossy. A reply to a client that has
        since joined as a faulty server may not: a correct server sent it, and the
        model, which goes by the message's kind, needs it to arrive."""
        return self.is_lossy(server_end(msg.kind, msg.src, msg.dst))


@dataclass(frozen=True, slots=True)
class Effect:
    """What handling a message did: a short description, and whether the
    receiver's state changed (then the trace carries its new state)."""

    what: str
    changed: bool = False


class Actor:
    """Anything that receives messages: a node or the configuration manager."""

    def __init__(self, name: str, env: Env) -> None:
        self.name = name
        self.env = env
        self.lock = threading.RLock()

    def send(self, kind: str, dst: str, tag: Tag | None, payload: Mapping[str, Any]) -> None:
        assert self.env.transport is not None, "a node sends only once its network is attached"
        self.env.transport.send(Message(kind, self.name, dst, tag, payload))

    def accepts_now(self, msg: Message) -> bool:
        """False if the message would wait (a newer epoch than this server's)."""
        return True

    def receive(self, msg: object) -> None:
        """Handle one delivered message; never raises."""
        with self.lock:
            try:
                checked = validate(msg)
                if checked.dst != self.name:
                    raise BadMessage(f"dst: delivered to {self.name}, addressed to {checked.dst!r}")
                effect = self.handle(checked)
            except Exception as error:  # a node survives any input; the trace says why
                kind = "malformed" if isinstance(error, BadMessage) else "handler error"
                self.env.recorder.record(
                    "bad-message",
                    node=self.name,
                    error=f"{kind}: {error}",
                    message=repr(msg)[:300],
                )
                return
            if effect is not None:
                self.record_delivery(checked, effect)

    def record_delivery(self, msg: Message, effect: Effect) -> None:
        self.env.recorder.record(
            "delivered",
            self.snapshot if effect.changed else None,
            id=msg.id,
            kind=msg.kind,
            src=msg.src,
            dst=msg.dst,
            tag=None if msg.tag is None else msg.tag.to_json(),
            effect=effect.what,
        )

    def handle(self, msg: Message) -> Effect | None:
        """Act on a validated message. None: nothing left to record (the message
        was held, or the handler recorded its own delivery)."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError
