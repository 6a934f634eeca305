"""One recorder for every event of a run, numbered by a global sequence.

Events: `sent`, `delivered` (with the effect on the receiver), `held` (a
message of a newer epoch waits at a server), `dropped`, `bad-message`,
`invoked`, `phase` (a client phase starts or restarts), `answered`,
`reconfig` (start, merge, install, refused), `role`. An event that changed a
node carries that node's `state` after the change. With a sink, each event is
written at once as one JSON line, after a header line:

    {"format": "tokencheck-trace", "version": 1, "mode": "step", "seed": 0, "params": {...}}
    {"seq": 1, "event": "invoked", "node": "c1", "op": 1, "call": {...}}

    >>> r = Recorder()
    >>> r.record("invoked", node="c1")
    1
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TextIO

FORMAT = "tokencheck-trace"
FORMAT_VERSION = 1

StateFn = Callable[[], dict[str, Any]]
CLIENT_EVENTS = frozenset({"invoked", "answered"})


class Recorder:
    """Numbers events; keeps them (`keep=True`) and/or writes them to `sink`.

    With neither, it only counts: the sequence numbers still order operations,
    which is what the overlap analysis needs, at almost no cost. `state` is a
    function, so the receiver's state is only serialised when someone reads it.
    """

    def __init__(
        self,
        sink: TextIO | None = None,
        keep: bool = False,
        header: dict[str, Any] | None = None,
        history: bool = False,
    ) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._sink = sink
        self.keep = keep
        self.events: list[dict[str, Any]] = []
        # `history`: also keep the client events (invoked, answered) without node
        # states, cheaply, for a linearizability check of the run.
        self.history: list[dict[str, Any]] | None = [] if history else None
        if sink is not None:
            head = {"format": FORMAT, "version": FORMAT_VERSION, **(header or {})}
            sink.write(json.dumps(head, separators=(",", ":")) + "\n")

    @property
    def active(self) -> bool:
        return self.keep or self._sink is not None

    def record(self, event: str, state: StateFn | None = None, **fields: Any) -> int:
        """Record one event; return its sequence number."""
        with self._lock:
            self._seq += 1
            if self.history is not None and event in CLIENT_EVENTS:
                self.history.append({"seq": self._seq, "event": event, **fields})
            if not self.active:
                return self._seq
            entry: dict[str, Any] = {"seq": self._seq, "event": event, **fields}
            if state is not None:
                entry["state"] = state()
            if self.keep:
                self.events.append(entry)
            if self._sink is not None:
                self._sink.write(json.dumps(entry, separators=(",", ":")) + "\n")
            return self._seq

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def flush(self) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink.flush()
