"""Read and validate a recorded implementation trace (JSON Lines), knowing no
protocol: the header's format and version, one JSON object per line, the
global sequence 1, 2, 3, ..., known event names, and each field's JSON type
from the protocol's schema (`ConformanceSpec.events`).

    >>> schema = {"ping": {"node": "str", "?state": "object"}}
    >>> lines = ['{"format":"f","version":1}\\n', '{"seq":1,"event":"ping","node":"a"}\\n']
    >>> header, events = read_trace(iter(lines), "f", 1, schema)
    >>> [(n, e["node"]) for n, e in events]
    [(2, 'a')]

Every problem raises TraceFormatError naming the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from checker.errors import TraceFormatError
from checker.protocol import TraceEvent

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "str": (str,),
    "bool": (bool,),
    "object": (dict,),
    "list": (list,),
}


# The exact Python type of a one-type JSON field: checked with one lookup.
_SIMPLE: dict[str, type] = {"int": int, "str": str, "bool": bool, "object": dict, "list": list}
_MISSING = object()


def _type_ok(value: object, spec: str) -> bool:
    for alternative in spec.split("|"):
        if alternative == "any":
            return True
        if alternative == "null":
            if value is None:
                return True
            continue
        if alternative == "int" and isinstance(value, bool):
            continue  # JSON true is not a number
        if isinstance(value, _JSON_TYPES[alternative]):
            return True
    return False


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {int: "an integer", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "an object"
    )


def _parse(number: int, raw: str, last: bool) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        if last and not raw.endswith("\n"):
            raise TraceFormatError(
                number,
                "line",
                "truncated: the last line ends without a newline and is not complete JSON "
                "(the recording stopped mid-line); delete the line or record the run again",
            ) from None
        raise TraceFormatError(
            number, "line", f"bad JSON ({error.msg} at column {error.colno}); fix or delete it"
        ) from None


def check_header(header: object, fmt: str, version: int) -> Mapping[str, Any]:
    if not isinstance(header, dict):
        raise TraceFormatError(1, "header", f"expected a JSON object, got {_type_name(header)}")
    if header.get("format") != fmt:
        raise TraceFormatError(
            1, "format", f"expected {fmt!r}, got {header.get('format')!r}: not a trace file"
        )
    if header.get("version") != version:
        raise TraceFormatError(
            1,
            "version",
            f"this checker reads version {version}, the file says {header.get('version')!r}; "
            f"record the run again with this version of tokencheck",
        )
    return header


Compiled = dict[str, list[tuple[str, bool, str]]]


def compile_schema(schema: Mapping[str, Mapping[str, str]]) -> Compiled:
    """Per event, its fields as (name, optional, type): read once, not per line."""
    return {
        event: [(f.lstrip("?"), f.startswith("?"), spec) for f, spec in fields.items()]
        for event, fields in schema.items()
    }


def check_event(number: int, event: object, seq: int, schema: Compiled) -> Mapping[str, Any]:
    """One event line: an object, the next sequence number, a known event, typed fields."""
    if not isinstance(event, dict):
        raise TraceFormatError(number, "line", f"expected a JSON object, got {_type_name(event)}")
    got = event.get("seq")
    if type(got) is not int:
        raise TraceFormatError(number, "seq", f"expected an integer, got {got!r:.40}")
    if got != seq:
        raise TraceFormatError(
            number,
            "seq",
            f"expected {seq} (events are numbered 1, 2, 3, ... in file order), got {got}",
        )
    name = event.get("event")
    fields = schema.get(name) if isinstance(name, str) else None
    if fields is None:
        raise TraceFormatError(
            number, "event", f"unknown event {name!r:.40}; known: {', '.join(sorted(schema))}"
        )
    for key, optional, spec in fields:
        value = event.get(key, _MISSING)
        if value is _MISSING:
            if optional:
                continue
            raise TraceFormatError(number, key, f"missing (a {name!r} event carries it)")
        if type(value) is not _SIMPLE.get(spec) and not _type_ok(value, spec):
            raise TraceFormatError(
                number, key, f"expected {spec.replace('|', ' or ')}, got {_type_name(value)}"
            )
    return event


def read_trace(
    lines: Iterator[str], fmt: str, version: int, schema: Mapping[str, Mapping[str, str]]
) -> tuple[Mapping[str, Any], Iterator[TraceEvent]]:
    """The checked header, and an iterator of (line number, event), each
    checked as it is read (so a huge file is never all in memory)."""
    first = next(lines, None)
    if not first:
        raise TraceFormatError(1, "header", "the file is empty; expected a trace header line")
    peek = next(lines, None)
    header = check_header(_parse(1, first, last=peek is None), fmt, version)
    compiled = compile_schema(schema)

    def events() -> Iterator[TraceEvent]:
        number, raw, seq = 1, peek, 1
        while raw is not None:
            number += 1
            following = next(lines, None)
            parsed = _parse(number, raw, last=following is None)
            yield number, check_event(number, parsed, seq, compiled)
            seq += 1
            raw = following

    return header, events()
