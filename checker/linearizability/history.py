"""A history: operations with an invocation and (unless unfinished) a return.

Times are ranks: `call` and `ret` are positions in one total order of all
invocations and returns (file time, then line order for equal times), so
that "a returned before b was invoked" is `a.ret < b.call`. An unfinished
operation has `ret = None`: it may or may not have taken effect.

    >>> a = Operation(0, "c1", "write", {"value": 1}, None, call=0, ret=None)
    >>> a.pending
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Operation(NamedTuple):
    """One operation (a NamedTuple: histories hold 100,000 of them)."""

    id: int
    process: str
    op: str
    args: Mapping[str, Any]
    output: Mapping[str, Any] | None
    call: int
    ret: int | None
    line: int = 0  # the invocation's line in its file, for error messages
    ret_line: int = 0

    @property
    def pending(self) -> bool:
        return self.ret is None

    def describe(self) -> str:
        args = ", ".join(f"{v}" for v in self.args.values())
        out = "pending" if self.output is None else _brief(self.output)
        return f"{self.process}: {self.op}({args}) -> {out}"


def _brief(output: Mapping[str, Any]) -> str:
    """The protocol's own notation where there is one: OK(2), NOT_OWNER(2, c2), [(0, 2)]."""
    answer = output.get("answer")
    if answer == "OK":
        return f"OK({output.get('version')})"
    if answer == "NOT_OWNER":
        return f"NOT_OWNER({output.get('version')}, {output.get('owner')})"
    if answer == "TOKENS" and isinstance(output.get("tokens"), list):
        pairs = output["tokens"]
        shown = ", ".join(
            f"({p[0]}, {p[1]})" if isinstance(p, list) and len(p) == 2 else "?"
            for p in pairs[:SHOWN_TOKENS]
        )
        return f"[{shown}{', ...' if len(pairs) > SHOWN_TOKENS else ''}]"
    if set(output) == {"value"}:
        return repr(output["value"])
    return ", ".join(f"{k}={v}" for k, v in output.items()) or "ok"


SHOWN_TOKENS = 8


@dataclass(frozen=True, slots=True)
class History:
    """Operations in invocation order; `init` and `model` come from the header."""

    operations: tuple[Operation, ...]
    source: str = "<history>"
    model: str | None = None
    init: Mapping[str, Any] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return (
            max((op.ret if op.ret is not None else op.call for op in self.operations), default=-1)
            + 1
        )
