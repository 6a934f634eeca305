"""Trace conformance, knowing no protocol: read a recorded implementation
trace and let the protocol's follower check it event by event.

    verdict = check_trace_file("run.jsonl", PROTOCOL.conformance)
    verdict.conforms, verdict.events       # True, 11115

Three answers, as everywhere: the trace conforms, it diverges (with the
first divergence: line, event, the specification's state of the nodes
involved, the steps it allowed), or it cannot be read (TraceFormatError,
naming the line and the field).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from checker.errors import Divergence, TraceFormatError
from checker.protocol import ConformanceSpec
from checker.trace_reader import read_trace

# How many allowed steps a divergence report prints before "... and N more".
SHOWN_STEPS = 12


@dataclass(frozen=True, slots=True)
class TraceVerdict:
    events: int  # events checked (up to and including a divergence)
    seconds: float
    divergence: Divergence | None = None

    @property
    def conforms(self) -> bool:
        return self.divergence is None

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1


def check_trace_lines(lines: Iterator[str], spec: ConformanceSpec) -> TraceVerdict:
    """Check a trace given as lines (each ending in a newline, but perhaps
    the last). Raises TraceFormatError if it cannot be read."""
    started = time.perf_counter()
    header, events = read_trace(lines, spec.format, spec.version, spec.events)
    follower = spec.start(header)
    try:
        checked = follower.follow(events)
    except Divergence as divergence:
        # events are lines 2, 3, ...: the divergent one is the last checked
        return TraceVerdict(divergence.line - 1, time.perf_counter() - started, divergence)
    return TraceVerdict(checked, time.perf_counter() - started)


def check_trace_file(path: str, spec: ConformanceSpec) -> TraceVerdict:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return check_trace_lines(iter(f), spec)
    except UnicodeDecodeError as error:
        raise TraceFormatError(0, "file", f"{path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise TraceFormatError(0, "file", f"cannot read {path}: {error.strerror}") from None


def render_divergence(d: Divergence) -> list[str]:
    """The report printed at the first divergence."""
    lines = [f"diverges at line {d.line}: {d.reason}", f"  event: {d.event}"]
    if d.states:
        lines.append("  the specification's state of the nodes involved:")
        lines += [f"    {name}: {text}" for name, text in d.states.items()]
    if d.allowed:
        lines.append(f"  steps the specification allowed here ({len(d.allowed)}):")
        lines += [f"    {step}" for step in d.allowed[:SHOWN_STEPS]]
        if len(d.allowed) > SHOWN_STEPS:
            lines.append(f"    ... and {len(d.allowed) - SHOWN_STEPS} more")
    else:
        lines.append("  steps the specification allowed here: none")
    return lines
