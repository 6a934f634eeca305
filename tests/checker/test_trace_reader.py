"""The protocol-free trace reader: every malformed file is one error naming
the line and the field, never a traceback."""

from __future__ import annotations

import pytest

from checker.errors import TraceFormatError
from checker.protocol import TraceEvent
from checker.trace_reader import read_trace

SCHEMA = {
    "ping": {"node": "str", "n": "int", "tag": "object|null", "?state": "object"},
    "pong": {"node": "str"},
}
HEADER = '{"format":"f","version":1}\n'
PING = '{"seq":%d,"event":"ping","node":"a","n":1,"tag":null}\n'


def read(*lines: str) -> list[TraceEvent]:
    _, events = read_trace(iter(lines), "f", 1, SCHEMA)
    return list(events)


def error_of(*lines: str) -> TraceFormatError:
    with pytest.raises(TraceFormatError) as error:
        read(*lines)
    return error.value


def test_a_well_formed_file_gives_its_events_with_line_numbers() -> None:
    events = read(HEADER, PING % 1, '{"seq":2,"event":"pong","node":"b"}\n')
    assert [(n, e["event"]) for n, e in events] == [(2, "ping"), (3, "pong")]


def test_optional_fields_may_be_missing_and_a_last_line_may_lack_its_newline() -> None:
    assert len(read(HEADER, (PING % 1).rstrip("\n"))) == 1


@pytest.mark.parametrize(
    ("lines", "line", "field", "words"),
    [
        (("",), 1, "header", "empty"),
        (("[1]\n",), 1, "header", "JSON object"),
        (('{"format":"g","version":1}\n',), 1, "format", "expected 'f'"),
        (('{"format":"f","version":2}\n',), 1, "version", "reads version 1"),
        (("{not json\n",), 1, "line", "bad JSON"),
        ((HEADER, PING % 1, '{"seq":2,"eve'), 3, "line", "truncated"),
        ((HEADER, PING % 1, '{"seq":2,\n', PING % 3), 3, "line", "bad JSON"),
        ((HEADER, PING % 2), 2, "seq", "expected 1"),
        ((HEADER, PING % 1, PING % 1), 3, "seq", "expected 2"),
        ((HEADER, '{"seq":"1","event":"ping"}\n'), 2, "seq", "expected an integer"),
        ((HEADER, '{"seq":1,"event":"boom"}\n'), 2, "event", "unknown event 'boom'"),
        ((HEADER, '{"seq":1,"event":"ping","n":1,"tag":null}\n'), 2, "node", "missing"),
        (
            (HEADER, '{"seq":1,"event":"ping","node":"a","n":"1","tag":null}\n'),
            2,
            "n",
            "expected int",
        ),
        (
            (HEADER, '{"seq":1,"event":"ping","node":"a","n":true,"tag":null}\n'),
            2,
            "n",
            "a boolean",
        ),
        (
            (HEADER, '{"seq":1,"event":"ping","node":"a","n":1,"tag":3}\n'),
            2,
            "tag",
            "object or null",
        ),
        (
            (HEADER, '{"seq":1,"event":"ping","node":"a","n":1,"tag":null,"state":[]}\n'),
            2,
            "state",
            "expected object",
        ),
        ((HEADER, '"just a string"\n'), 2, "line", "JSON object"),
    ],
)
def test_each_malformed_file_names_its_line_and_field(
    lines: tuple[str, ...], line: int, field: str, words: str
) -> None:
    error = error_of(*lines)
    assert (error.line, error.field) == (line, field)
    assert words in error.problem
    assert str(error).startswith(f"line {line}: {field}: ")
    assert "\n" not in str(error)
