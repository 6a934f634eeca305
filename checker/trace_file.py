"""Counterexamples as JSON Lines: a header line, then one line per step.

    {"format": "tokencheck-counterexample", "version": 1, "model": ..., "config": {...},
     "property": "NoDoubleSpend", "detail": "...", "length": 10, "loop_start": null}
    {"step": 0, "action": null, "action_index": null, "record": null, "message": null,
     "state": {...}}
    {"step": 3, "action": "ServerReceiveRead: READ c1->s1 ...", "action_index": 4,
     "record": {"type": "ServerReceiveRead", "message": {...}},
     "message": {"kind": "READ", "src": "c1", "dst": "s1", "tag": {...}, "tokens": [0]},
     "state": {...}}

`action_index` is the action's position among those enabled in the previous
state: with the header's config, `checker.replay.replay` rebuilds the path
exactly. `record` is the action as data (with the message delivered, if
any) when the model offers `action_record`; `message` is the message the
step delivers (null for other steps); `state` is the state after.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from checker.model import Model
from checker.result import Counterexample

FORMAT = "tokencheck-counterexample"
VERSION = 1


class TraceFileError(CheckerError):
    """A counterexample file is unreadable; the message names the line."""


@dataclass(frozen=True, slots=True)
class TraceFile:
    header: Mapping[str, Any]
    steps: tuple[Mapping[str, Any], ...]

    @property
    def action_indexes(self) -> list[int]:
        return [int(step["action_index"]) for step in self.steps[1:]]


def write_counterexample(
    path: str | Path,
    model: Model[Any, Any],
    ce: Counterexample,
    config: Mapping[str, Any],
    protocol: str | None = None,
) -> None:
    lines = counterexample_records(model, ce, config, protocol)
    Path(path).write_text("".join(json.dumps(line) + "\n" for line in lines))


def counterexample_records(
    model: Model[Any, Any],
    ce: Counterexample,
    config: Mapping[str, Any],
    protocol: str | None = None,
) -> list[dict[str, Any]]:
    """The header and step records that `write_counterexample` writes (the
    pictures draw from these)."""
    record = getattr(model, "action_record", None)
    lines = [
        {
            "format": FORMAT,
            "version": VERSION,
            "protocol": protocol,
            "model": model.name,
            "config": dict(config),
            "verdict": "violated",
            "property": ce.property_name,
            "detail": ce.detail,
            "length": ce.length,
            "loop_start": ce.loop_start,
        }
    ]
    for number, step in enumerate(ce.steps):
        has_action = step.action is not None
        data = record(step.action) if has_action and record else None
        lines.append(
            {
                "step": number,
                "action": model.describe_action(step.action) if has_action else None,
                "action_index": step.action_index,
                "record": data,
                "message": data.get("message") if data else None,
                "state": dict(model.describe_state(step.state)),
            }
        )
    return lines


def write_no_counterexample(
    path: str | Path,
    model: Model[Any, Any],
    config: Mapping[str, Any],
    verdict: str,
    detail: str,
    protocol: str | None = None,
) -> None:
    """A header alone, saying why there is no counterexample: so that an old
    counterexample at `path` is never mistaken for this run's."""
    header = {
        "format": FORMAT,
        "version": VERSION,
        "protocol": protocol,
        "model": model.name,
        "config": dict(config),
        "verdict": verdict,
        "property": None,
        "detail": detail,
        "length": None,
        "loop_start": None,
    }
    Path(path).write_text(json.dumps(header) + "\n")


def read_counterexample(path: str | Path) -> TraceFile:
    """Parse and check a file written by `write_counterexample`."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise TraceFileError(f"{path}: cannot read: {error.strerror}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise TraceFileError(f"{path}:{number}: not JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise TraceFileError(
                f"{path}:{number}: expected a JSON object, got {type(row).__name__}"
            )
        rows.append((number, row))
    if not rows or rows[0][1].get("format") != FORMAT:
        raise TraceFileError(f"{path}:1: not a counterexample file (expected format {FORMAT!r})")
    header = rows[0][1]
    if header.get("version") != VERSION:
        raise TraceFileError(f"{path}:1: version {header.get('version')!r}; this reads {VERSION}")
    for expected, (number, row) in enumerate(rows[1:]):
        if row.get("step") != expected:
            raise TraceFileError(
                f"{path}:{number}: expected step {expected}, got {row.get('step')!r}"
            )
        index = row.get("action_index")
        if expected > 0 and (not isinstance(index, int) or index < 0):
            raise TraceFileError(
                f"{path}:{number}: action_index must be an int >= 0, got {index!r}"
            )
    return TraceFile(header, tuple(row for _, row in rows[1:]))
