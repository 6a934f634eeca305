"""A live one-line progress report of an exploration, on stderr.

    line = ProgressLine()
    try:
        result = explore(model, on_progress=line)
    finally:
        line.close()

It draws, rewriting one terminal line in place,

    states 123,456  transitions 1,234,567  depth 17  frontier 9,000  41,000 states/s  312 MB

but only when the stream is a terminal and the run has lasted more than a
second, so short runs, pipes, CI logs and `--quiet` (pass `enabled=False`)
stay clean. `close()` erases the line, leaving the cursor where it was.
"""

from __future__ import annotations

import sys
from typing import TextIO

from checker.result import Stats

# Carriage return, then "erase to end of line": redraw in place.
_REDRAW = "\r\x1b[K"


def format_stats(stats: Stats) -> str:
    """The progress line's text for `stats`."""
    return (
        f"states {stats.states:,}  transitions {stats.transitions:,}  depth {stats.depth}  "
        f"frontier {stats.frontier:,}  {stats.states_per_second:,.0f} states/s  "
        f"{stats.peak_memory_bytes / 2**20:,.0f} MB"
    )


class ProgressLine:
    """Callable as `on_progress`: redraws the line with each Stats it gets.

    `enabled=None` (the default) means: only if `stream` is a terminal.
    `min_seconds` is how long a run must last before the line appears.
    """

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool | None = None, min_seconds: float = 1.0
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.min_seconds = min_seconds
        self.drawn = False

    def __call__(self, stats: Stats) -> None:
        if not self.enabled or stats.seconds <= self.min_seconds:
            return
        self.stream.write(_REDRAW + format_stats(stats))
        self.stream.flush()
        self.drawn = True

    def show(self, text: str, seconds: float) -> None:
        """Draw any text (e.g. which runs are under way), with the same rules."""
        if not self.enabled or seconds <= self.min_seconds:
            return
        self.stream.write(_REDRAW + text)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Erase the line if one was drawn; safe to call more than once."""
        if self.drawn:
            self.stream.write(_REDRAW)
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
