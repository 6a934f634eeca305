"""Per-process traces with Lamport clocks, and their merge into one order.

Each process records its events in the JSON Lines format of impl/tokens
(README "Trace format") with two more fields: `process` (who recorded it) and
`lamport`, a Lamport clock ticked on every event and carried on every message
(the receiver takes max(own, message) before it handles the message). Sorting
all events by (lamport, process, seq) is then an order consistent with
causality; `merge` renumbers `seq` in that order.

    >>> r = LamportRecorder("s1")
    >>> r.observe(41); r.record("delivered", id=1)
    1
    >>> r.clock
    42
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from impl.tokens.recorder import FORMAT, FORMAT_VERSION, Recorder, StateFn


class LamportRecorder(Recorder):
    def __init__(
        self,
        process: str,
        sink: TextIO | None = None,
        keep: bool = False,
        header: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(sink, keep, {"mode": "cluster", "process": process, **(header or {})})
        self.process = process
        self.clock = 0
        self._clock_lock = threading.Lock()

    def tick(self) -> int:
        """A new local time, for an event or a message about to be sent."""
        with self._clock_lock:
            self.clock += 1
            return self.clock

    def observe(self, remote: int) -> None:
        """A message stamped `remote` arrives: the next event comes after it."""
        with self._clock_lock:
            self.clock = max(self.clock, remote)

    def record(self, event: str, state: StateFn | None = None, **fields: Any) -> int:
        if "lamport" not in fields:
            fields["lamport"] = self.tick()
        # the host's monotonic clock, one for every process: real-time order
        fields["mono_ns"] = time.monotonic_ns()
        return super().record(event, state, process=self.process, **fields)


class DeferredSink:
    """A trace file whose lines wait, in the thread that records them, between
    `begin` and `end`: a process commits what a step changed first, then
    writes the step's lines (`write_out`). Killed in between, it loses the
    step's lines with the step, never records an effect it did not commit."""

    def __init__(self, file: TextIO) -> None:
        self.file = file
        self._local = threading.local()

    def write(self, text: str) -> None:
        lines: list[str] | None = getattr(self._local, "lines", None)
        if lines is None:
            self.file.write(text)
        else:
            lines.append(text)

    def flush(self) -> None:
        self.file.flush()

    def begin(self) -> None:
        self._local.lines = []

    def end(self) -> list[str]:
        lines: list[str] = getattr(self._local, "lines", None) or []
        self._local.lines = None
        return lines

    def write_out(self, lines: list[str]) -> None:
        self.file.write("".join(lines))
        self.file.flush()


def read_events(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A per-process trace: its header and its events (a torn last line, left by
    a killed process, is skipped)."""
    lines = path.read_text().splitlines()
    if not lines:
        return {}, []
    header = json.loads(lines[0])
    events = []
    for line in lines[1:]:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "format" not in event:  # a restarted process appends its own header
            events.append(event)
    return header, events


def last_clock(path: Path) -> int:
    """The highest Lamport time in a trace: a restarted process goes on from there."""
    if not path.exists():
        return 0
    _, events = read_events(path)
    return max((int(e.get("lamport", 0)) for e in events), default=0)


def last_event(path: Path) -> str | None:
    """The name of the last event in a trace (None: no event yet)."""
    _, events = read_events(path)
    return str(events[-1]["event"]) if events else None


def recover_lines(path: Path, lines: Iterable[str]) -> None:
    """Append to a trace the committed `lines` it lacks (by Lamport time): the
    process died after its commit and before it wrote them."""
    _, events = read_events(path) if path.exists() else ({}, [])
    have = {int(e.get("lamport", 0)) for e in events}
    missing = [line for line in lines if int(json.loads(line).get("lamport", 0)) not in have]
    if not missing:
        return
    text = path.read_bytes() if path.exists() else b""
    with open(path, "a") as f:  # a line torn by the kill is closed first
        f.write("\n" if text and not text.endswith(b"\n") else "")
        f.write("".join(line if line.endswith("\n") else line + "\n" for line in missing))


def append_event(path: Path, event: str, at_ns: int | None = None, **fields: Any) -> None:
    """Record `event` in the trace of a process that cannot: it is dead (the
    operator's `killed`). It goes on from that trace's clock and sequence, so
    it comes after everything the process recorded and before what its next
    incarnation records. A line torn by the kill is closed first. `at_ns`: when
    it happened on the host's monotonic clock (a kill: just before the signal,
    so that it comes before every consequence in time order)."""
    if not path.exists():
        return  # the process records no trace (--no-trace)
    _, events = read_events(path)
    text = path.read_bytes()
    entry = {
        "seq": max((int(e.get("seq", 0)) for e in events), default=0) + 1,
        "event": event,
        **fields,
        "lamport": max((int(e.get("lamport", 0)) for e in events), default=0) + 1,
        "mono_ns": time.monotonic_ns() if at_ns is None else at_ns,
        "process": path.stem,
    }
    with open(path, "a") as f:
        f.write(("\n" if text and not text.endswith(b"\n") else "") + json.dumps(entry) + "\n")


ORDERS = ("lamport", "time")


def merge(
    paths: Iterable[Path],
    out: TextIO,
    by: str = "lamport",
    params: dict[str, Any] | None = None,
) -> int:
    """Merge per-process traces into `out`; return the event count.

    `by` "lamport": (lamport, process, seq), an order consistent with causality
    that needs no shared clock. "time": the host's monotonic clock, which all
    processes of one machine share, an order that is causal and also real-time,
    as a linearizability check needs (`check history FILE`). `params` (tokens,
    clients) goes in the header, where `check history` reads the initial owners."""
    events: list[dict[str, Any]] = []
    processes = []
    for path in sorted(paths):
        header, found = read_events(path)
        if header:
            processes.append(header.get("process", path.stem))
        events.extend(found)
    if by == "time":
        events.sort(key=lambda e: (e.get("mono_ns", 0), str(e.get("process", "")), e.get("seq", 0)))
    else:
        events.sort(key=lambda e: (e.get("lamport", 0), str(e.get("process", "")), e.get("seq", 0)))
    head = {"format": FORMAT, "version": FORMAT_VERSION, "mode": "cluster-merged", "order": by}
    if params is not None:
        head["params"] = params
    out.write(json.dumps({**head, "processes": processes}, separators=(",", ":")) + "\n")
    for seq, event in enumerate(events, 1):
        event = {**event, "seq": seq}
        out.write(json.dumps(event, separators=(",", ":")) + "\n")
    return len(events)
