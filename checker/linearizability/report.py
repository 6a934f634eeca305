"""The verdict as text lines and as a JSON record (for `check history` and
`check run`).

    verdict  OK: linearizable (60 objects: 60 by versions, 0 by search), 0.01 s
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from checker.linearizability.check import ILLEGAL, OK, Result
from checker.linearizability.counter import key_name
from checker.linearizability.history import History

SHOWN = 12  # prefix operations printed before the failure


def object_name(model: str, key: Hashable) -> str:
    if model == "tokens":
        return f"token {key}"
    if model == "counter":
        return f"key {key_name(key)}"
    return "the register" if key is None else f"register {key!r}"


def operation_line(history: History, op_id: int) -> str:
    op = history.operations[op_id]
    return f"#{op_id} {op.describe()}  (line {op.line})"


def verdict_lines(history: History, result: Result) -> list[str]:
    unfinished = sum(1 for op in history.operations if op.pending)
    lines = [
        f"history: {history.source}, {result.operations:,} operations ({unfinished} unfinished), "
        f"model {result.model}, {result.objects} objects"
    ]
    if result.verdict == OK:
        how = f"{result.fast} by versions, {result.searched} by search"
        lines.append(
            f"verdict  OK: linearizable ({result.objects} objects: {how}), {result.seconds:.2f} s"
        )
        return lines
    if result.verdict == ILLEGAL:
        failure = result.failure
        assert failure is not None
        name = object_name(result.model, failure.key)
        lines.append(f"verdict  ILLEGAL: {name} is not linearizable, {result.seconds:.2f} s")
        if failure.why:
            lines.append(f"  why: {failure.why}")
        if not failure.searched:
            lines.append("  (the search for the longest prefix ran out of time)")
            return lines
        prefix = failure.prefix
        lines.append(
            f"  longest linearizable prefix on {name}: {len(prefix)} operations"
            + (f", the last {SHOWN}:" if len(prefix) > SHOWN else ":")
        )
        first = max(0, len(prefix) - SHOWN)
        for n, op_id in enumerate(prefix[first:], start=first + 1):
            lines.append(f"    {n:>4}. {operation_line(history, op_id)}")
        lines.append("  none of these can come next:")
        lines.extend(f"          {operation_line(history, op_id)}" for op_id in failure.stuck)
        return lines
    names = ", ".join(object_name(result.model, k) for k in result.unknown[:5])
    more = f" and {len(result.unknown) - 5} more" if len(result.unknown) > 5 else ""
    lines.append(
        f"verdict  UNKNOWN: the timeout passed after {result.seconds:.2f} s; "
        f"not decided: {names}{more}"
    )
    return lines


def verdict_record(history: History, result: Result) -> dict[str, Any]:
    failure = result.failure
    return {
        "verdict": result.verdict,
        "model": result.model,
        "source": history.source,
        "operations": result.operations,
        "unfinished": sum(1 for op in history.operations if op.pending),
        "objects": result.objects,
        "by_versions": result.fast,
        "by_search": result.searched,
        "seconds": round(result.seconds, 4),
        "failure": None
        if failure is None
        else {
            "object": object_name(result.model, failure.key),
            "key": failure.key,
            "why": failure.why or None,
            "prefix": list(failure.prefix),
            "stuck": list(failure.stuck),
            "stuck_lines": [history.operations[i].line for i in failure.stuck],
        },
        "unknown": [object_name(result.model, k) for k in result.unknown],
    }
