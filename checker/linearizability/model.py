"""Sequential models: pure data types that say which outputs are legal.

A model turns a history into independent objects (`partition`: per token,
per key) and steps one object's state: `step(state, input, output)` returns
`(legal, next_state)` and never mutates. `output` is `PENDING` for an
unfinished operation, which is legal wherever its input is.

    >>> from checker.linearizability.models import RegisterModel
    >>> m = RegisterModel()
    >>> m.step(None, ("write", 1), ("ok",))
    (True, 1)
    >>> m.step(1, ("read",), ("value", 2))[0]
    False
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from checker.linearizability.history import History

PENDING: tuple[str] = ("pending",)
INFINITY = 1 << 62  # the return rank of an unfinished operation


class Call(NamedTuple):
    """One operation seen on one object: `op` is the history's operation id."""

    op: int
    call: int
    ret: int
    input: Hashable
    output: Hashable


class Partition(Protocol):
    """A history split into independent objects."""

    @property
    def keys(self) -> Sequence[Hashable]: ...

    def calls(self, key: Hashable) -> list[Call]: ...

    def init(self, key: Hashable) -> Hashable: ...


class SequentialModel(Protocol):
    @property
    def name(self) -> str: ...

    def partition(self, history: History) -> Partition:
        """Validate the operations (HistoryError names line and field) and split them."""
        ...

    def step(self, state: Any, input: Any, output: Any) -> tuple[bool, Any]: ...

    def describe(self, input: Any, output: Any) -> str: ...


@dataclass
class KeyedPartition:
    """A history split into one object per key, each starting from `initial`
    (the register, the cas-register and the counter split this way)."""

    initial: Hashable
    by_key: dict[Hashable, list[Call]] = field(default_factory=dict)

    @property
    def keys(self) -> Sequence[Hashable]:
        return sorted(self.by_key, key=repr)

    def init(self, key: Hashable) -> Hashable:
        return self.initial

    def calls(self, key: Hashable) -> list[Call]:
        return self.by_key[key]
