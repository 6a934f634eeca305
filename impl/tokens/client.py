"""The client role: operations run one at a time, each as a READ phase then a
WRITE (pay) or WRITE-BACK (gettokens, NOT_OWNER) phase, each waiting for a
quorum of the configuration installed when the phase started.

A phase that has not reached its quorum when a newer configuration is
installed restarts: same values, new epoch, new servers; the best values read
so far are kept. Replies are matched on their phase tag, one per server.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from impl.tokens.actor import Effect
from impl.tokens.config import Configuration
from impl.tokens.errors import NotAClient
from impl.tokens.messages import Entry, Message, Tag
from impl.tokens.operations import Answer, Call, GetTokens, Handle, NotOwner, Ok, Pay, Tokens

if TYPE_CHECKING:
    from impl.tokens.node import Node


@dataclass
class Pending:
    """The operation in progress and its current phase."""

    call: Call
    handle: Handle
    op: int
    phase: str = "read"
    epoch: int = 0
    servers: tuple[str, ...] = ()
    answered: set[str] = field(default_factory=set)
    best: dict[int, tuple[int, str]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)  # what a write phase writes
    answer: Answer | None = None  # what a write phase answers once acknowledged
    # fast-read: tokens on which this read's replies disagree (None: all of
    # them, after a restart, whose old replies prove no quorum of the new epoch)
    mixed: set[int] | None = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "call": self.call.to_json(),
            "phase": self.phase,
            "epoch": self.epoch,
            "servers": list(self.servers),
            "answered": sorted(self.answered),
            "best": [[t, v, o] for t, (v, o) in sorted(self.best.items())],
        }


class ClientRole:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.queue: deque[tuple[Call, Handle]] = deque()
        self.pending: Pending | None = None

    @property
    def idle(self) -> bool:
        return self.pending is None and not self.queue

    def queued_naming(self, name: str) -> bool:
        """Does an operation waiting in the queue name `name` as payee or owner?"""
        return any(
            (call.to if isinstance(call, Pay) else call.owner) == name for call, _ in self.queue
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "role": "client",
            "ops": self.node.ops_started,
            "pending": None if self.pending is None else self.pending.to_json(),
            "queued": len(self.queue),
        }

    def tag(self) -> Tag:
        p = self.pending
        assert p is not None
        return Tag(self.node.name, p.op, p.phase, p.epoch)

    def progress(self) -> tuple[str, tuple[str, ...]]:
        """For timeouts: the pending phase and the servers that have not answered it."""
        with self.node.lock:
            p = self.pending
            if p is None:
                return ("queued", ())
            return (
                f"{p.phase} (epoch {p.epoch})",
                tuple(s for s in p.servers if s not in p.answered),
            )

    def submit(self, call: Call) -> Handle:
        """Queue an operation; it starts at once if the client is idle."""
        handle = Handle(self.node.name, call, self.progress)
        self.queue.append((call, handle))
        if self.pending is None:
            self._start_next()
        return handle

    def _start_next(self) -> None:
        """ClientStart: take the next queued operation and start its READ phase."""
        if not self.queue or self.node.client is not self:
            return
        call, handle = self.queue.popleft()
        self.node.ops_started += 1
        self.pending = Pending(call, handle, op=self.node.ops_started)
        # Invocation and the READ phase are one step, as in the specification:
        # no install may come between them (the phase would use a newer epoch).
        with self.node.env.board.transition:
            handle.invoked_seq = self.node.env.recorder.record(
                "invoked", node=self.node.name, op=self.node.ops_started, call=call.to_json()
            )
            self._start_phase("read", restart=False)

    def _start_phase(self, phase: str, restart: bool) -> None:
        """Send this phase's request to every server of the installed configuration."""
        p = self.pending
        assert p is not None
        with self.node.env.board.transition:
            config = self.node.env.board.get()
            p.phase, p.epoch, p.servers = phase, config.epoch, config.servers
            p.answered = set()
            if restart and phase == "read":
                p.mixed = None
            self.node.env.recorder.record(
                "phase",
                self.snapshot,
                node=self.node.name,
                tag=self.tag().to_json(),
                restart=restart,
            )
        if phase == "read":
            token = p.call.token if isinstance(p.call, Pay) else None
            payload: dict[str, Any] = {"token": token}
            kind = "READ"
        else:
            payload = {"entries": list(p.entries)}
            kind = "WRITE"
        for server in p.servers:
            self.node.send(kind, server, self.tag(), payload)

    def on_install(self, config: Configuration) -> None:
        """ClientRestartPhase: a phase of an older epoch starts again in `config`."""
        if self.pending is not None and config.epoch > self.pending.epoch:
            self._start_phase(self.pending.phase, restart=True)

    def handle(self, msg: Message) -> Effect | None:
        if msg.kind not in ("READ_REPLY", "WRITE_ACK"):
            return Effect(f"discarded: {msg.kind} is not for a client")
        p = self.pending
        if p is None or msg.tag != self.tag():
            return Effect("ignored: reply to a phase that is over")
        if msg.src not in p.servers or msg.src in p.answered:
            return Effect(f"ignored: {msg.src} already answered or not in this phase")
        if (msg.kind == "READ_REPLY") != (p.phase == "read"):
            return Effect(f"ignored: {msg.kind} does not answer a {p.phase} phase")
        p.answered.add(msg.src)
        if msg.kind == "READ_REPLY":
            for t, v, o in msg.payload["entries"]:
                if p.mixed is not None and t in p.best and p.best[t][0] != v:
                    p.mixed.add(t)
                if t not in p.best or v > p.best[t][0]:
                    p.best[t] = (v, o)
        need = self.node.env.params.variant.client_quorum(len(p.servers))
        if len(p.answered) < need:
            return Effect(f"counted {len(p.answered)}/{need}", changed=True)
        # recorded before the steps it causes, so the trace keeps cause before
        # effect; the next phase starts in the same configuration as in the
        # specification's one step (no install in between)
        with self.node.env.board.transition:
            self.node.record_delivery(msg, Effect("quorum reached", changed=True))
            if p.phase == "read":
                self._finish_read(p)
            else:
                self._finish_operation(p)
        return None

    def _finish_read(self, p: Pending) -> None:
        """Choose the second phase from the values read (highest version per token)."""
        call = p.call
        if isinstance(call, Pay):
            v, o = p.best[call.token]
            if o == self.node.name or not self.node.env.params.variant.owner_check:
                p.entries, p.answer = [(call.token, v + 1, call.to)], Ok(v + 1)
                self._start_phase("write", restart=False)
            else:
                p.entries, p.answer = [(call.token, v, o)], NotOwner(v, o)
                self._write_back(p)
        else:
            assert isinstance(call, GetTokens)
            p.entries = [(t, v, o) for t, (v, o) in sorted(p.best.items())]
            owned = tuple((t, v) for t, v, o in p.entries if o == call.owner)
            p.answer = Tokens(owned)
            self._write_back(p)

    def _write_back(self, p: Pending) -> None:
        """The write-back phase; with fast-read, only of the tokens on which
        the replies disagreed (the others are on a quorum already), and none
        at all when they agreed on every token."""
        if not self.node.env.params.variant.write_back:  # mutant no-write-back
            self._finish_operation(p)  # answer what was read at once
            return
        if self.node.env.params.fast_read and p.mixed is not None:
            p.entries = [e for e in p.entries if e[0] in p.mixed]
            if not p.entries:
                self._finish_operation(p)
                return
        self._start_phase("write-back", restart=False)

    def _finish_operation(self, p: Pending) -> None:
        assert p.answer is not None
        self.pending = None
        seq = self.node.env.recorder.record(
            "answered",
            self.snapshot,
            node=self.node.name,
            op=p.op,
            call=p.call.to_json(),
            answer=p.answer.to_json(),
        )
        p.handle.resolve(p.answer, seq)
        self._start_next()


def submit(node: Node, call: Call) -> Handle:
    """Submit `call` to `node`, which must currently be a client."""
    with node.lock:
        if node.client is None:
            raise NotAClient(
                f"{node.name} is a server now, not a client; name one of the current clients"
            )
        return node.client.submit(call)
