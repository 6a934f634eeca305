"""Action coverage, as TLC reports it: how often each kind of action was
taken during an exploration, and which kinds never were.

A model may name its kinds of action: `action_kind(action) -> str` (else
an action's kind is its type's name) and `action_kinds() -> Sequence[str]`,
every kind its configuration could take (else only the taken ones are
known, and none can be reported as never taken). A kind that is never
taken is a sign of a scenario that tests less than it seems to.

    >>> from collections import Counter
    >>> summarize(Counter({"Inc": 3}), ("Inc", "Dec")).never
    ('Dec',)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Coverage:
    taken: dict[str, int]  # kind -> transitions of that kind
    never: tuple[str, ...]  # kinds the model declares that no transition took

    def as_dict(self) -> dict[str, Any]:
        return {"taken": dict(self.taken), "never": list(self.never)}


def kind_function(model: object) -> Callable[[Any], Any]:
    """What the engine counts per transition: the model's kind, or the type."""
    kind = getattr(model, "action_kind", None)
    return kind if callable(kind) else type


def summarize(counts: Counter[Any], declared: Sequence[str] | None) -> Coverage:
    taken: dict[str, int] = {}
    for kind, count in counts.items():
        name = kind.__name__ if isinstance(kind, type) else str(kind)
        taken[name] = taken.get(name, 0) + count
    never = tuple(k for k in declared or () if k not in taken)
    return Coverage(dict(sorted(taken.items())), never)


def declared_kinds(model: object) -> Sequence[str] | None:
    kinds = getattr(model, "action_kinds", None)
    return tuple(kinds()) if callable(kinds) else None
