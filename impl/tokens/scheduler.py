"""Step-by-step mode: the same node code, with one chosen message delivered or
dropped at a time, and nothing else moving.

The network is a pool of in-flight messages, each with a number. A step is
`Deliver(id)` (enabled unless the receiving server would hold it: its epoch is
newer than the server's) or `Drop(id)` (enabled only for messages to or from a
faulty server: links between correct nodes lose nothing). Choose steps by
hand, to follow a model counterexample:

    sched = cluster.scheduler
    [m] = sched.find(kind="READ", dst="s2")
    sched.deliver(m.id)

or let a seeded policy choose: the same seed gives the same trace, byte for
byte (`run_random`). `run_fifo` delivers the oldest message first and drops
nothing: the fault-free, delay-free run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from impl.tokens.actor import Actor, Env
from impl.tokens.errors import ImplError
from impl.tokens.messages import Message


class SchedulerError(ImplError):
    """A step that is not enabled was asked for; names the message and why."""


@dataclass(frozen=True, slots=True)
class Deliver:
    id: int

    def __str__(self) -> str:
        return f"deliver #{self.id}"


@dataclass(frozen=True, slots=True)
class Drop:
    id: int

    def __str__(self) -> str:
        return f"drop #{self.id}"


Step = Deliver | Drop


class StepNetwork:
    """The transport of step mode: sending only adds to the in-flight pool."""

    def __init__(self, env: Env, actors: Mapping[str, Actor]) -> None:
        self.env = env
        self.actors = dict(actors)
        self.pool: dict[int, Message] = {}
        self._next_id = 0

    def send(self, msg: Message) -> None:
        self._next_id += 1
        msg = replace(msg, id=self._next_id)
        self.env.recorder.record("sent", **msg.to_json())
        if msg.dst not in self.actors:
            _record_drop(self.env, msg, "no such node")
            return
        self.pool[msg.id] = msg


def _record_drop(env: Env, msg: Message, reason: str) -> None:
    env.recorder.record(
        "dropped",
        id=msg.id,
        kind=msg.kind,
        src=msg.src,
        dst=msg.dst,
        tag=None if msg.tag is None else msg.tag.to_json(),
        reason=reason,
    )


class Scheduler:
    """Chooses the next step of a step-mode system; see the module docstring."""

    def __init__(self, network: StepNetwork) -> None:
        self.network = network
        self.env = network.env
        self.steps_taken = 0

    def in_flight(self) -> list[Message]:
        """Messages sent and not yet delivered or dropped, oldest first."""
        return list(self.network.pool.values())

    def find(self, **fields: Any) -> list[Message]:
        """In-flight messages whose attributes equal `fields` (kind, src, dst, tag,
        id) or, for other names, whose payload has those values."""
        found = []
        for m in self.in_flight():
            ok = True
            for key, value in fields.items():
                actual = (
                    getattr(m, key)
                    if key in ("kind", "src", "dst", "tag", "id")
                    else m.payload.get(key)
                )
                if actual != value:
                    ok = False
                    break
            if ok:
                found.append(m)
        return found

    def can_deliver(self, msg: Message) -> bool:
        return self.network.actors[msg.dst].accepts_now(msg)

    def can_drop(self, msg: Message) -> bool:
        return self.env.may_lose(msg)

    def enabled(self) -> list[Step]:
        """Every step possible now, in message order: a deliver then a drop."""
        steps: list[Step] = []
        for m in self.in_flight():
            if self.can_deliver(m):
                steps.append(Deliver(m.id))
            if self.can_drop(m):
                steps.append(Drop(m.id))
        return steps

    def _get(self, msg_id: int) -> Message:
        msg = self.network.pool.get(msg_id)
        if msg is None:
            raise SchedulerError(
                f"message #{msg_id} is not in flight; choose one of "
                f"{[m.id for m in self.in_flight()]}"
            )
        return msg

    def deliver(self, msg_id: int) -> None:
        """Deliver message `msg_id` and let its receiver handle it (with every
        message the handler sends joining the pool)."""
        msg = self._get(msg_id)
        if not self.can_deliver(msg):
            raise SchedulerError(
                f"message #{msg_id} ({msg.describe()}) would wait: its epoch {msg.epoch} is "
                f"newer than {msg.dst}'s; deliver the SYNC_WRITE that moves {msg.dst} first"
            )
        del self.network.pool[msg_id]
        self.steps_taken += 1
        self.network.actors[msg.dst].receive(msg)

    def drop(self, msg_id: int) -> None:
        """Lose message `msg_id`; only a message to or from a faulty server can be lost."""
        msg = self._get(msg_id)
        if not self.can_drop(msg):
            raise SchedulerError(
                f"message #{msg_id} ({msg.describe()}) cannot be dropped: neither end is a "
                f"faulty server, and links between correct nodes are reliable"
            )
        del self.network.pool[msg_id]
        self.steps_taken += 1
        _record_drop(self.env, msg, "lost (faulty server)")

    def take(self, step: Step) -> None:
        if isinstance(step, Deliver):
            self.deliver(step.id)
        else:
            self.drop(step.id)

    def inject(self, dst: str, raw: object) -> None:
        """Hand anything to a node as if delivered: for tests of bad input."""
        self.network.actors[dst].receive(raw)

    def run_random(
        self,
        rng: random.Random,
        drop: float,
        until: Callable[[], bool],
        max_steps: int = 100_000,
    ) -> bool:
        """Take random steps until `until()` holds: pick an in-flight message
        uniformly; if it may be lost, lose it with probability `drop`, else
        deliver it. Returns False if no step was enabled or `max_steps` ran out."""
        for _ in range(max_steps):
            if until():
                return True
            candidates = [m for m in self.in_flight() if self.can_deliver(m) or self.can_drop(m)]
            if not candidates:
                return False
            msg = rng.choice(candidates)
            if self.can_drop(msg) and (not self.can_deliver(msg) or rng.random() < drop):
                self.drop(msg.id)
            else:
                self.deliver(msg.id)
        return until()

    def run_fifo(self, until: Callable[[], bool], max_steps: int = 1_000_000) -> bool:
        """Deliver the oldest deliverable message until `until()` holds; drop nothing."""
        for _ in range(max_steps):
            if until():
                return True
            nxt = next((m for m in self.in_flight() if self.can_deliver(m)), None)
            if nxt is None:
                return False
            self.deliver(nxt.id)
        return until()
