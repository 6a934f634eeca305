"""The threaded network: every node is a thread with an inbox; messages are
delayed uniformly in 0..max_delay and lost, with probability `drop`, when
their server end (the server a request goes to, or a reply comes from) is a
faulty server. One seeded RNG makes every random choice
(which messages are lost, how long each waits); thread timing still varies.

    net = ThreadedNetwork(env, actors, random.Random(seed)); net.start()
    ...; net.quiesce(5.0); net.stop()

Links between correct nodes lose nothing. Sending never blocks: a message
with no delay goes straight to the inbox, others wait in one timer thread.
"""

from __future__ import annotations

import heapq
import queue
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import replace

from impl.tokens.actor import Actor, Env
from impl.tokens.messages import Message

_STOP = object()


class ThreadedNetwork:
    def __init__(self, env: Env, actors: Mapping[str, Actor], rng: random.Random) -> None:
        self.env = env
        self.actors = dict(actors)
        self.rng = rng
        self._lock = threading.Condition()
        self._next_id = 0
        self._timers: list[tuple[float, int, Message]] = []
        self._unhandled = 0  # sent and not yet dropped or handled
        self._stopping = False
        self._inboxes: dict[str, queue.SimpleQueue[object]] = {
            name: queue.SimpleQueue() for name in self.actors
        }
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name in sorted(self.actors):
            t = threading.Thread(target=self._work, args=(name,), name=f"node-{name}", daemon=True)
            self._threads.append(t)
        self._threads.append(threading.Thread(target=self._time, name="network-timer", daemon=True))
        for t in self._threads:
            t.start()

    def send(self, msg: Message) -> None:
        params = self.env.params
        with self._lock:
            self._next_id += 1
            msg = replace(msg, id=self._next_id)
            lossy = self.env.may_lose(msg)
            lost = lossy and params.drop > 0 and self.rng.random() < params.drop
            delay = self.rng.uniform(0, params.max_delay) if params.max_delay > 0 else 0.0
            self.env.recorder.record("sent", **msg.to_json())
            if msg.dst not in self._inboxes or lost or self._stopping:
                reason = "lost (faulty server)" if lost else "no such node"
                if self._stopping:
                    reason = "network stopped"
                self.env.recorder.record(
                    "dropped", id=msg.id, kind=msg.kind, src=msg.src, dst=msg.dst,
                    tag=None if msg.tag is None else msg.tag.to_json(), reason=reason,
                )  # fmt: skip
                return
            self._unhandled += 1
            if delay <= 0:
                self._inboxes[msg.dst].put(msg)
            else:
                heapq.heappush(self._timers, (time.monotonic() + delay, msg.id, msg))
                self._lock.notify_all()

    def inject(self, dst: str, raw: object) -> None:
        """Put anything into a node's inbox, bypassing the checks: for tests of bad input."""
        with self._lock:
            self._unhandled += 1
        self._inboxes[dst].put(raw)

    def _time(self) -> None:
        with self._lock:
            while not self._stopping:
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    _, _, msg = heapq.heappop(self._timers)
                    self._inboxes[msg.dst].put(msg)
                wait = self._timers[0][0] - now if self._timers else None
                self._lock.wait(wait)

    def _work(self, name: str) -> None:
        inbox, actor = self._inboxes[name], self.actors[name]
        while True:
            item = inbox.get()
            if item is _STOP:
                return
            try:
                actor.receive(item)  # never raises; guarded again so a bug cannot kill the thread
            except Exception as error:  # pragma: no cover - Actor.receive catches everything
                self.env.recorder.record("bad-message", node=name, error=f"uncaught: {error}")
            finally:
                with self._lock:
                    self._unhandled -= 1
                    if self._unhandled == 0:
                        self._lock.notify_all()

    def quiesce(self, timeout: float) -> bool:
        """Wait until every message sent so far is lost or handled (held ones count
        as handled); False if that did not happen within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._unhandled > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every thread; messages still in flight are abandoned."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            self._lock.notify_all()
        for inbox in self._inboxes.values():
            inbox.put(_STOP)
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
