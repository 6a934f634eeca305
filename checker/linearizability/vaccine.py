"""The SMR vaccine log's client history as counter operations, one counter per
(site, vaccine): what `check smr trace` checks for linearizability.

    history = client_history([ClientTrace("c1.jsonl", "c1", rows), ...])
    check(history, CounterModel())

A client trace (`check smr client --trace`, role client) records `sent`
(seq, command, mono_ns) and `answered` (seq, result, mono_ns); `mono_ns` is
the host's monotonic clock, one for every process on the machine, so the
requests of all clients fall in one real-time order.

- `add SITE VACCINE D` answered `{"doses": n}`: `add(D) -> n` on key SITE/VACCINE;
- `update SITE VACCINE D` answered `{"doses": n}`: `write(D) -> n`;
- `query [SITE]` answered `{"sites": {site: {vaccine: n}}}`: one `read` per
  key of that site (of every site, without one) that the history mentions; a
  vaccine the answer omits reads 0 (no entry in the log: no doses).

A request `refused` (timeout, every replica gone) or never answered is
unfinished: it may still have been applied. A query is checked as one read
per key, not as one snapshot of all keys: linearizability is local, and a
counter per key is what the model says (as gettokens is per token).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from checker.linearizability.errors import HistoryError
from checker.linearizability.history import History, Operation

TIME = "mono_ns"


class ClientTrace(NamedTuple):
    source: str  # the file, named in errors
    process: str
    rows: Sequence[tuple[int, Mapping[str, Any]]]  # (line, event)


class Key(NamedTuple):
    site: str
    vaccine: str

    def __str__(self) -> str:
        return f"{self.site}/{self.vaccine}"


class _Op(NamedTuple):
    """One counter operation before ranking: times are mono_ns."""

    sent: int
    returned: int | None
    process: str
    op: str
    args: dict[str, Any]
    output: dict[str, Any] | None
    line: int
    ret_line: int


class _Answer(NamedTuple):
    line: int
    result: Mapping[str, Any]
    mono_ns: int


class _Request(NamedTuple):
    process: str
    line: int
    command: Mapping[str, Any]
    sent: int
    answer: _Answer | None


def untimed(traces: Sequence[ClientTrace]) -> str | None:
    """`file:line` of the first sent or answered event without a time, if any."""
    for trace in traces:
        for line, row in trace.rows:
            if row.get("event") in ("sent", "answered") and TIME not in row:
                return f"{trace.source}:{line}"
    return None


def client_history(traces: Sequence[ClientTrace]) -> History:
    """HistoryError (file, line, field) for an event that cannot be read."""
    requests = [r for trace in traces for r in _requests(trace)]
    keys = _keys(requests)
    ops: list[_Op] = []
    for r in requests:
        op = r.command.get("op")
        ret = None if r.answer is None else r.answer.mono_ns
        ret_line = 0 if r.answer is None else r.answer.line
        result = None if r.answer is None else r.answer.result
        if op in ("add", "update"):
            key = Key(r.command["site"], r.command["vaccine"])
            name, args = ("add", {"delta": r.command["doses"]})
            if op == "update":
                name, args = ("write", {"value": r.command["doses"]})
            output = None if result is None else {"value": result["doses"]}
            ops.append(
                _Op(r.sent, ret, r.process, name, {"key": key, **args}, output, r.line, ret_line)
            )
        elif result is not None:  # an unanswered query constrains nothing
            site = r.command.get("site")
            stock = result["sites"]
            for key in keys:
                if site is None or key.site == site:
                    output = {"value": stock.get(key.site, {}).get(key.vaccine, 0)}
                    ops.append(
                        _Op(r.sent, ret, r.process, "read", {"key": key}, output, r.line, ret_line)
                    )
    return _ranked(ops, f"{len(traces)} client traces")


def _requests(trace: ClientTrace) -> list[_Request]:
    sent: dict[int, tuple[int, Mapping[str, Any], int]] = {}
    answers: dict[int, _Answer] = {}
    for line, row in trace.rows:
        event = row.get("event")
        if event not in ("sent", "answered"):
            continue
        seq = _get(trace, line, row, "seq", int)
        when = _get(trace, line, row, TIME, int)
        if event == "sent":
            sent[seq] = (line, _get(trace, line, row, "command", dict), when)
        elif seq not in sent:
            raise HistoryError(trace.source, line, "seq", f"answers request {seq}, never sent")
        else:
            answers[seq] = _Answer(line, _get(trace, line, row, "result", dict), when)
    out = []
    for seq, (line, command, when) in sent.items():
        answer = answers.get(seq)
        if not _readable(trace, line, command, answer):
            continue
        out.append(_Request(trace.process, line, command, when, answer))
    return out


def _readable(
    trace: ClientTrace,
    line: int,
    command: Mapping[str, Any],
    answer: _Answer | None,
) -> bool:
    """Check the fields the history needs; False for an unanswered request no
    replica could apply (a command the log refuses)."""
    op = command.get("op")
    if op not in ("add", "update", "query"):
        if answer is None:
            return False
        raise HistoryError(
            trace.source, line, "command.op", f"{op!r}: expected add, update or query"
        )
    names: tuple[str, ...] = ("site",) if op == "query" and "site" in command else ()
    if op != "query":
        names = ("site", "vaccine")
        if type(command.get("doses")) is not int:
            raise HistoryError(trace.source, line, "command.doses", "expected an integer")
    for name in names:
        if not isinstance(command.get(name), str):
            raise HistoryError(trace.source, line, f"command.{name}", "expected a name")
    if answer is None:
        return True
    ret_line, result = answer.line, answer.result
    if op != "query":
        if type(result.get("doses")) is not int:
            raise HistoryError(trace.source, ret_line, "result.doses", "expected an integer")
        return True
    sites = result.get("sites")
    if not isinstance(sites, dict) or not all(
        isinstance(stock, dict) and all(type(n) is int for n in stock.values())
        for stock in sites.values()
    ):
        raise HistoryError(
            trace.source, ret_line, "result.sites", "expected {site: {vaccine: doses}}"
        )
    return True


def _get(trace: ClientTrace, line: int, row: Mapping[str, Any], name: str, kind: type) -> Any:
    value = row.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise HistoryError(trace.source, line, name, f"expected {kind.__name__}, got {value!r}")
    return value


def _keys(requests: Sequence[_Request]) -> list[Key]:
    """Every key the history mentions: written, added to, or seen by a query."""
    keys = set()
    for r in requests:
        if r.command.get("op") != "query":
            keys.add(Key(r.command["site"], r.command["vaccine"]))
        elif r.answer is not None:
            for site, stock in r.answer.result["sites"].items():
                keys.update(Key(site, vaccine) for vaccine in stock)
    return sorted(keys)


def _ranked(ops: list[_Op], source: str) -> History:
    """Times become ranks in one order of invocations and returns; at equal
    times invocations come first, so that equal times count as overlapping."""
    ops.sort(key=lambda o: o.sent)
    events = sorted(
        [(o.sent, 0, i) for i, o in enumerate(ops)]
        + [(o.returned, 1, i) for i, o in enumerate(ops) if o.returned is not None]
    )
    call: dict[int, int] = {}
    ret: dict[int, int] = {}
    for rank, (_, is_return, i) in enumerate(events):
        (ret if is_return else call)[i] = rank
    operations = tuple(
        Operation(i, o.process, o.op, o.args, o.output, call[i], ret.get(i), o.line, o.ret_line)
        for i, o in enumerate(ops)
    )
    return History(operations, source, "counter", {"value": 0})
