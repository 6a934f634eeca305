"""Each order's run as JSON Lines: a header, every message sent, every decision.

    {"format": "generals-trace", "version": 1, "run": 1, "seed": 0, "generals": ["g1", ...],
     "primary": "g2", "faulty": ["g3"], "rounds": 1, "order": "attack"}
    {"seq": 1, "event": "sent", "path": ["g2", "g1"], "value": "attack"}
    {"seq": 9, "event": "decided", "general": "g1", "value": "attack"}

A path lists the senders, the commander first, and ends with the receiver.
Sends are recorded before the message enters the receiver's inbox, so a
relay always comes after the message it relays.
"""

from __future__ import annotations

import json
import threading
from typing import Any

FORMAT, VERSION = "generals-trace", 1


def name(g: int) -> str:
    return f"g{g}"


class RunRecorder:
    """The events of one run, in the order they happened (thread-safe)."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = {"format": FORMAT, "version": VERSION, **header}
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def sent(self, path: tuple[int, ...], value: str) -> None:
        with self._lock:
            self.events.append(
                {
                    "seq": len(self.events) + 1,
                    "event": "sent",
                    "path": [name(g) for g in path],
                    "value": value,
                }
            )

    def decided(self, general: int, value: str) -> None:
        with self._lock:
            self.events.append(
                {
                    "seq": len(self.events) + 1,
                    "event": "decided",
                    "general": name(general),
                    "value": value,
                }
            )

    def lines(self) -> list[str]:
        with self._lock:
            return [json.dumps(self.header)] + [json.dumps(e) for e in self.events]
