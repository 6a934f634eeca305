"""One general: a thread with an inbox that relays and decides per OM(m)."""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from impl.generals.oral import Path, decide, expected_messages, flipped
from impl.generals.trace import RunRecorder


@dataclass(frozen=True, slots=True)
class RunView:
    """What every general knows about one order's run."""

    run: int
    generals: tuple[int, ...]
    commander: int
    rounds: int
    seed: int
    inboxes: Mapping[int, queue.Queue[object]]
    recorder: RunRecorder
    results: queue.Queue[tuple[int, str]] = field(default_factory=queue.Queue)


@dataclass(frozen=True, slots=True)
class Message:
    view: RunView
    path: Path  # the senders, commander first, then the receiver
    value: str


@dataclass(frozen=True, slots=True)
class Propose:
    view: RunView
    order: str


STOP = object()


class General(threading.Thread):
    def __init__(self, gid: int, faulty: bool = False) -> None:
        super().__init__(name=f"g{gid}", daemon=True)
        self.gid = gid
        self.faulty = faulty  # changed by the shell only between orders
        self.inbox: queue.Queue[object] = queue.Queue()
        self.last: str | None = None  # the last decision, for g-state
        self._received: dict[int, dict[Path, str]] = {}

    def run(self) -> None:
        while True:
            item = self.inbox.get()
            if item is STOP:
                return
            if isinstance(item, Propose):
                self._propose(item)
            elif isinstance(item, Message):
                self._receive(item)

    def _send(self, view: RunView, path: Path, value: str) -> None:
        """Send value along path; a faulty general flips it with probability 1/2,
        drawn from the seed, the run and the path (not from thread timing)."""
        if self.faulty and random.Random(f"{view.seed}/{view.run}/{path}").random() < 0.5:
            value = flipped(value)
        view.recorder.sent(path, value)
        view.inboxes[path[-1]].put(Message(view, path, value))

    def _propose(self, p: Propose) -> None:
        view = p.view
        for g in view.generals:
            if g != self.gid:
                self._send(view, (self.gid, g), p.order)
        self._decided(view, p.order)

    def _receive(self, m: Message) -> None:
        view = m.view
        received = self._received.setdefault(view.run, {})
        received[m.path] = m.value
        if len(m.path) - 1 <= view.rounds:  # I am the commander of OM(rounds - k) next
            for g in view.generals:
                if g not in m.path:
                    self._send(view, (*m.path, g), m.value)
        if len(received) == expected_messages(len(view.generals), view.rounds):
            del self._received[view.run]
            self._decided(
                view, decide(self.gid, view.commander, view.generals, received, view.rounds)
            )

    def _decided(self, view: RunView, value: str) -> None:
        self.last = value
        view.recorder.decided(self.gid, value)
        view.results.put((self.gid, value))
