"""Check a run's traces against the protocol: every replica's applied
sequence must be one the model allows.

    report = audit([Path("r1.jsonl"), Path("r2.jsonl"), Path("c1.jsonl")])
    report.verdict        # "ok", "violated" or "incomplete"

- Agreement: of any two replicas' applied sequences, one is a prefix of the other.
- Order: each replica applies in timestamp order, (clock, client) increasing.
- Validity: each applied request is one a client's trace says it sent (same
  clock and command), applied at most once per replica.
- CausalOrder: a request sent after its client's answer from replica R is
  applied after every request R had received before it replied (one hop of
  happened-before, read from the traces; what Lamport clocks are for).
- Answers: each answer a client recorded is the result its replica recorded.

A request from a client with no trace among the files cannot be checked:
the verdict is then incomplete (never ok), naming the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from impl.smr.causal import causal_order
from impl.smr.trace import FORMAT

Key = tuple[str, int]  # (client, seq)


class TraceError(Exception):
    """A trace file that cannot be read; the text names the file and line."""


@dataclass
class ProcessTrace:
    path: Path
    role: str
    process: str
    events: list[dict[str, Any]]


@dataclass
class Report:
    replicas: dict[str, int] = field(default_factory=dict)  # process -> requests applied
    clients: dict[str, int] = field(default_factory=dict)  # process -> requests answered
    violations: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.violations:
            return "violated"
        return "incomplete" if self.unchecked else "ok"


def read_trace(path: Path) -> ProcessTrace:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise TraceError(f"{path}: cannot read: {error}") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise TraceError(f"{path}:{number}: not a JSON line: {error.msg}") from None
        if not isinstance(row, dict):
            raise TraceError(f"{path}:{number}: a JSON {type(row).__name__}, not an object")
        rows.append(row)
    if not rows or rows[0].get("format") != FORMAT:
        raise TraceError(f"{path}:1: not an SMR trace: the header must have format {FORMAT!r}")
    head = rows[0]
    if head.get("role") not in ("replica", "client") or not isinstance(head.get("process"), str):
        raise TraceError(f"{path}:1: the header needs role replica|client and a process name")
    return ProcessTrace(path, head["role"], head["process"], rows[1:])


def _field(trace: ProcessTrace, event: dict[str, Any], name: str, kind: type) -> Any:
    value = event.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TraceError(f"{trace.path}: {event.get('event')} event without a valid {name!r}")
    return value


def audit(paths: list[Path]) -> Report:
    traces = [read_trace(p) for p in paths]
    report = Report()
    sent: dict[Key, tuple[int, Any]] = {}  # (client, seq) -> (clock, command)
    known_clients = set()
    answers: list[tuple[str, Key, str, Any]] = []  # (client, key, replica, result)
    applied: dict[str, list[tuple[int, str, int, Any, Any]]] = {}
    received: dict[str, list[Key]] = {}  # replica -> the requests it received, in order
    # (replica, answered request) -> how many it had received before applying it
    before_reply: dict[tuple[str, Key], int] = {}
    for t in traces:
        if t.role == "client":
            known_clients.add(t.process)
            for e in t.events:
                if e.get("event") == "sent":
                    key = (t.process, _field(t, e, "seq", int))
                    sent[key] = (_field(t, e, "clock", int), e.get("command"))
                elif e.get("event") == "answered":
                    key = (t.process, _field(t, e, "seq", int))
                    answers.append(
                        (t.process, key, f"r{_field(t, e, 'replica', int)}", e.get("result"))
                    )
            report.clients[t.process] = sum(e.get("event") == "answered" for e in t.events)
        else:
            if t.process in applied:
                raise TraceError(f"{t.path}: a second trace of replica {t.process}")
            applied[t.process] = [
                (
                    _field(t, e, "clock", int),
                    _field(t, e, "client", str),
                    _field(t, e, "seq", int),
                    e.get("command"),
                    e.get("result"),
                )
                for e in t.events
                if e.get("event") == "applied"
            ]
            report.replicas[t.process] = len(applied[t.process])
            arrivals = received[t.process] = []
            for e in t.events:
                if e.get("event") == "received" and e.get("kind") == "request":
                    arrivals.append((_field(t, e, "client", str), _field(t, e, "seq", int)))
                elif e.get("event") == "applied":
                    key = (e["client"], e["seq"])
                    before_reply[(t.process, key)] = len(arrivals)
    v = report.violations
    names = sorted(applied)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            sa = [(x[1], x[2]) for x in applied[a]]
            sb = [(x[1], x[2]) for x in applied[b]]
            n = min(len(sa), len(sb))
            if sa[:n] != sb[:n]:
                at = next(k for k in range(n) if sa[k] != sb[k])
                v.append(
                    f"Agreement: {a} and {b} applied different requests at position {at + 1}:"
                    f" {_name(sa[at])} and {_name(sb[at])}"
                )
    for r in names:
        stamps = [(x[0], x[1]) for x in applied[r]]
        for k in range(1, len(stamps)):
            if stamps[k - 1] >= stamps[k]:
                v.append(f"Order: {r} applied {_stamp(stamps[k])} after {_stamp(stamps[k - 1])}")
                break
        seen: set[Key] = set()
        for clock, client, seq, command, _ in applied[r]:
            key = (client, seq)
            if key in seen:
                v.append(f"Validity: {r} applied {_name(key)} twice")
            seen.add(key)
            if client not in known_clients:
                if f"client {client}" not in report.unchecked:
                    report.unchecked.append(f"client {client}")
            elif key not in sent:
                v.append(f"Validity: {r} applied {_name(key)}, which {client} never sent")
            elif sent[key] != (clock, command):
                v.append(
                    f"Validity: {r} applied {_name(key)} at clock {clock} with {command},"
                    f" but {client} sent clock {sent[key][0]} with {sent[key][1]}"
                )
    v.extend(causal_order(applied, answers, received, before_reply, set(sent)))
    results = {(r, (x[1], x[2])): x[4] for r in names for x in applied[r]}
    for client, key, replica, result in answers:
        recorded = results.get((replica, key))
        if replica in applied and recorded is None:
            v.append(
                f"Answers: {client} got an answer to {_name(key)} from {replica},"
                " whose trace never applied it"
            )
        elif replica in applied and recorded != result:
            v.append(
                f"Answers: {client} got {result} for {_name(key)} from {replica},"
                f" which recorded {recorded}"
            )
    return report


def _name(key: Key) -> str:
    return f"{key[0]}#{key[1]}"


def _stamp(stamp: tuple[int, str]) -> str:
    return f"{stamp[0]}.{stamp[1]}"
