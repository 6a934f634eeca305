"""A counter register per key: a register whose writes may also be increments.

**counter** (per `args.key`: a scalar, or a list of scalars for a compound
key such as `[site, vaccine]`): `read()` answers `{"value": x}`;
`write(value)` answers `{}` or `{"value": value}`; `add(delta)` adds and
answers `{"value": x + delta}`, the value after it. Values are integers; the
initial value of every key is the header's `init` `{"value": x}` (default 0).

    >>> m = CounterModel()
    >>> m.step(0, ("add", 5), ("value", 5))
    (True, 5)
    >>> m.step(5, ("read",), ("value", 0))[0]
    False

Why not the cas-register: an answered add is exactly `cas(x - delta, x)`,
but an add that never answered (timed out, its replica failed) may still
have taken effect, by `delta` from whatever value it met; no cas says that.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from checker.linearizability.errors import HistoryError
from checker.linearizability.history import History, Operation
from checker.linearizability.model import INFINITY, PENDING, Call, KeyedPartition


def key_name(key: Hashable) -> str:
    """`north/mmr` for a compound key, the key itself otherwise."""
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _fail(history: History, op: Operation, name: str, problem: str) -> HistoryError:
    line = op.ret_line if name.startswith("output") else op.line
    return HistoryError(history.source, line, name, problem)


def _integer(history: History, op: Operation, where: Mapping[str, Any], name: str) -> int:
    prefix = "output" if where is op.output else "args"
    value = where.get(name)
    if type(value) is not int:  # type(): a bool is not a count
        raise _fail(history, op, f"{prefix}.{name}", f"expected an integer, got {value!r}")
    return value


def _key(history: History, op: Operation) -> Hashable:
    key = op.args.get("key")
    if isinstance(key, (list, tuple)) and not any(isinstance(k, (list, tuple, dict)) for k in key):
        return tuple(key)
    if isinstance(key, (dict, list, tuple)):
        raise _fail(history, op, "args.key", f"expected a scalar or a list of scalars, got {key!r}")
    return key


class CounterModel:
    name = "counter"

    def partition(self, history: History) -> KeyedPartition:
        initial = history.init.get("value", 0)
        if type(initial) is not int:
            raise HistoryError(
                history.source, 1, "init.value", f"expected an integer, got {initial!r}"
            )
        part = KeyedPartition(initial)
        for op in history.operations:
            out = op.output
            input: tuple[Any, ...]
            if op.op == "read":
                input = ("read",)
            elif op.op == "write":
                input = ("write", _integer(history, op, op.args, "value"))
            elif op.op == "add":
                input = ("add", _integer(history, op, op.args, "delta"))
            else:
                raise _fail(history, op, "op", f"{op.op!r}: the counter model has read, write, add")
            output: Hashable = PENDING
            if out is not None:
                needs_value = op.op != "write" or "value" in out
                output = ("value", _integer(history, op, out, "value")) if needs_value else ("ok",)
            ret = INFINITY if op.ret is None else op.ret
            part.by_key.setdefault(_key(history, op), []).append(
                Call(op.id, op.call, ret, input, output)
            )
        return part

    def step(self, state: int, input: tuple[Any, ...], output: Hashable) -> tuple[bool, int]:
        if input[0] == "read":
            return output == PENDING or output == ("value", state), state
        if input[0] == "write":
            return output in (PENDING, ("ok",), ("value", input[1])), input[1]
        after = state + input[1]
        return output in (PENDING, ("value", after)), after

    def describe(self, input: tuple[Any, ...], output: Hashable) -> str:
        shown = "pending" if output == PENDING else str(output[-1])  # type: ignore[index]
        return f"{input[0]}({', '.join(map(str, input[1:]))}) -> {shown}"
