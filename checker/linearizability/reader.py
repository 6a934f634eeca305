"""Read a history from JSON Lines: this package's own format, or an
implementation trace (`check shell/run --trace-out`, its `invoked` and
`answered` events).

The history format (`tokencheck-history`, version 1), one JSON object a line:

    {"format": "tokencheck-history", "version": 1, "model": "tokens",
     "init": {"tokens": 60, "clients": 6}}                        (optional header)
    {"process": "c1", "type": "invoke", "op": "pay", "args": {"token": 0, "to": "c2"},
     "time": 1}
    {"process": "c1", "type": "ok", "output": {"answer": "OK", "version": 2}, "time": 4}

`process` names a sequential client: its return line (type `ok`) closes its
pending invocation. `type` `fail` means the operation certainly did not take
effect (it is dropped); `info`, or no return line at all, means unfinished:
it may or may not have taken effect. `time` is a number (a clock or a
sequence number); equal times keep line order. The operations and outputs of
each model are in `checker/linearizability/models.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from checker.linearizability.errors import HistoryError
from checker.linearizability.gc_pause import gc_paused
from checker.linearizability.history import History, Operation

HISTORY_FORMAT = "tokencheck-history"
TRACE_FORMAT = "tokencheck-trace"
VERSION = 1


def read_history(path: str | Path) -> History:
    """Parse a history file of either format; HistoryError names line and field."""
    with gc_paused():
        return _read(path)


def _read(path: str | Path) -> History:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise HistoryError(source, 0, "file", f"cannot read: {reason}") from None
    return parse_history(text.splitlines(), source)


def parse_history(lines: Iterable[str], source: str = "<history>") -> History:
    rows = list(_rows(lines, source))
    if not rows:
        raise HistoryError(source, 1, "file", "empty: expected JSON Lines of operations")
    first_line, first = rows[0]
    kind = first.get("format")
    if kind == TRACE_FORMAT:
        return _from_trace(rows, source)
    if kind is not None and kind != HISTORY_FORMAT:
        raise HistoryError(
            source,
            first_line,
            "format",
            f"unknown format {kind!r}: expected {HISTORY_FORMAT!r} or {TRACE_FORMAT!r}",
        )
    header: Mapping[str, Any] = {}
    if kind == HISTORY_FORMAT:
        header = first
        if first.get("version") != VERSION:
            raise HistoryError(
                source,
                first_line,
                "version",
                f"{first.get('version')!r}: this reader reads version {VERSION}",
            )
        rows = rows[1:]
    return _from_history(rows, header, source)


def _rows(lines: Iterable[str], source: str) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise HistoryError(source, number, "line", f"not JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise HistoryError(
                source, number, "line", f"expected a JSON object, got {type(row).__name__}"
            )
        yield number, row


def _field(
    row: Mapping[str, Any], name: str, kind: type | tuple[type, ...], source: str, line: int
) -> Any:
    value = row.get(name)
    if type(value) in _kinds(kind):
        return value
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        expected = " or ".join(k.__name__ for k in _kinds(kind))
        raise HistoryError(source, line, name, f"expected {expected}, got {value!r}")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


class _Builder:
    """Matches returns to invocations per process and ranks all events."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.calls: list[tuple[int, str, str, Mapping[str, Any], float]] = []
        self.returns: dict[int, tuple[Mapping[str, Any] | None, float, int, bool]] = {}
        self.open: dict[Any, int] = {}

    def invoke(
        self, line: int, key: Any, process: str, op: str, args: Mapping[str, Any], time: float
    ) -> None:
        if key in self.open:
            raise HistoryError(
                self.source,
                line,
                "process",
                f"{process} invokes {op} while its operation from line "
                f"{self.calls[self.open[key]][0]} is pending "
                "(a process is sequential)",
            )
        self.open[key] = len(self.calls)
        self.calls.append((line, process, op, args, time))

    def complete(
        self,
        line: int,
        key: Any,
        output: Mapping[str, Any] | None,
        time: float,
        failed: bool = False,
    ) -> None:
        index = self.open.pop(key, None)
        if index is None:
            raise HistoryError(
                self.source,
                line,
                "process",
                f"{key if isinstance(key, str) else key[0]} returns with no pending invocation",
            )
        if time < self.calls[index][4]:
            raise HistoryError(
                self.source,
                line,
                "time",
                f"{time} is before its invocation's time {self.calls[index][4]}",
            )
        self.returns[index] = (output, time, line, failed)

    def build(self, model: str | None, init: Mapping[str, Any]) -> History:
        events: list[tuple[float, int, int, bool]] = []
        for index, (line, _, _, _, time) in enumerate(self.calls):
            events.append((time, line, index, False))
        for index, (_, time, line, _) in self.returns.items():
            events.append((time, line, index, True))
        events.sort()
        call_rank: dict[int, int] = {}
        ret_rank: dict[int, int] = {}
        for rank, (_, _, index, is_return) in enumerate(events):
            (ret_rank if is_return else call_rank)[index] = rank
        operations: list[Operation] = []
        for index, (line, process, op, args, _) in enumerate(self.calls):
            output, _, ret_line, failed = self.returns.get(index, (None, 0.0, 0, False))
            if failed:
                continue  # certainly did not take effect: not part of the history
            operations.append(
                Operation(
                    len(operations),
                    process,
                    op,
                    args,
                    output,
                    call_rank[index],
                    ret_rank.get(index) if output is not None else None,
                    line,
                    ret_line,
                )
            )
        return History(tuple(operations), self.source, model, init)


def _from_history(
    rows: list[tuple[int, dict[str, Any]]], header: Mapping[str, Any], source: str
) -> History:
    builder = _Builder(source)
    for line, row in rows:
        process = _field(row, "process", str, source, line)
        kind = _field(row, "type", str, source, line)
        time = _field(row, "time", (int, float), source, line)
        if kind == "invoke":
            op = _field(row, "op", str, source, line)
            args = row.get("args", {})
            if not isinstance(args, dict):
                raise HistoryError(source, line, "args", f"expected an object, got {args!r}")
            builder.invoke(line, process, process, op, args, time)
        elif kind == "ok":
            output = _field(row, "output", dict, source, line)
            builder.complete(line, process, output, time)
        elif kind in ("info", "fail"):
            builder.complete(line, process, None, time, failed=kind == "fail")
        else:
            raise HistoryError(source, line, "type", f"{kind!r}: expected invoke, ok, fail or info")
    init = header.get("init", {})
    if not isinstance(init, dict):
        raise HistoryError(source, 1, "init", f"expected an object, got {init!r}")
    model = header.get("model")
    return builder.build(model if isinstance(model, str) else None, init)


def _from_trace(rows: list[tuple[int, dict[str, Any]]], source: str) -> History:
    """Client operations of an implementation trace: `invoked` and `answered`."""
    header = rows[0][1]
    params = header.get("params") if isinstance(header.get("params"), dict) else {}
    assert isinstance(params, dict)
    return _trace_events(rows[1:], params, source)


def history_from_events(
    events: Iterable[Mapping[str, Any]], params: Mapping[str, Any], source: str = "<run>"
) -> History:
    """A history from trace events held in memory (`check run`); `params` as in
    a trace header (`tokens`, `clients`). Line numbers are positions in `events`."""
    return _trace_events(list(enumerate(events, start=1)), params, source)


def _trace_events(
    rows: Sequence[tuple[int, Mapping[str, Any]]], params: Mapping[str, Any], source: str
) -> History:
    init = {k: params[k] for k in ("tokens", "clients") if isinstance(params.get(k), int)}
    builder = _Builder(source)
    for line, row in rows:
        event = row.get("event")
        if event not in ("invoked", "answered"):
            continue
        node = _field(row, "node", str, source, line)
        op_number = _field(row, "op", int, source, line)
        seq = _field(row, "seq", int, source, line)
        call = _field(row, "call", dict, source, line)
        if event == "invoked":
            name = _field(call, "op", str, source, line) if "op" in call else None
            if name is None:
                raise HistoryError(source, line, "call.op", "missing")
            args = {k: v for k, v in call.items() if k != "op"}
            builder.invoke(line, (node, op_number), node, name, args, seq)
        else:
            answer = _field(row, "answer", dict, source, line)
            builder.complete(line, (node, op_number), answer, seq)
    return builder.build("tokens", init)
