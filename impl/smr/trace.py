"""Each process's JSON Lines trace: a header line, then one event per line,
flushed at once (a replica that fail-stops keeps what it wrote).

    {"format": "tokencheck-smr-trace", "version": 1, "role": "replica", "process": "r1"}
    {"event": "applied", "index": 1, "client": "c1", "clock": 3, "seq": 1, ...}

Replica events: hello, received (request/null), applied, departed, bad-frame.
Client events: sent, null, answered, refused; sent and answered also carry
`mono_ns`, the host's monotonic clock (the real-time order of the history).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

FORMAT = "tokencheck-smr-trace"
VERSION = 1


class Trace:
    """Writes events to `sink` (None: records nothing)."""

    def __init__(self, sink: TextIO | None, role: str, process: str) -> None:
        self.sink = sink
        self.write({"format": FORMAT, "version": VERSION, "role": role, "process": process})

    def write(self, line: dict[str, Any]) -> None:
        if self.sink is not None:
            self.sink.write(json.dumps(line, separators=(",", ":")) + "\n")
            self.sink.flush()

    def event(self, name: str, **fields: Any) -> None:
        self.write({"event": name, **fields})

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
