"""Shorten a path that breaks a property, keeping it a real run of the model.

A random walk that breaks a property is mostly noise: loops that come back
to a state already visited, and steps of nodes that have nothing to do with
the violation. `shorten` removes both, then replays the result from scratch:

1. Truncate at the first step where the property breaks.
2. Cut loops: when a state occurs twice, drop the steps between.
3. Drop steps the violation does not need: try removing chunks of steps
   (halves, quarters, ..., single steps, as in delta debugging); a candidate
   is kept when each remaining action is still enabled where it is taken
   (actions are compared as values, so their indexes may change) and the
   same property still breaks, first, at its end. Repeat until nothing goes.
4. Replay the action indexes with `checker.replay.replay` and check the
   property once more on the rebuilt path.

The result is locally minimal (no single step can go), not a shortest
counterexample; exhaustive search gives those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checker.errors import NondeterministicModel
from checker.model import Model
from checker.replay import replay
from checker.result import Counterexample

# Candidates tried at most, so that a very long walk cannot take forever.
_MAX_CANDIDATES = 20_000


@dataclass(frozen=True, slots=True)
class Violation:
    """A path (initial state index, action indexes) whose last state breaks
    the invariant `name`, or whose last step breaks the step property `name`."""

    name: str
    detail: str
    initial: int
    indexes: list[int]


def shorten(model: Model[Any, Any], found: Violation) -> Counterexample:
    initial = list(model.initial_states())[found.initial]
    steps = replay(model, found.indexes, found.initial)
    actions = [s.action for s in steps[1:]]
    end = _breaks_at(model, initial, actions, found.name)
    if end is None:
        raise NondeterministicModel(
            f"replaying the walk that broke {found.name} did not break it again; "
            "the model's actions, successors or properties are not deterministic"
        )
    actions = _cut_loops(model, initial, actions[:end])
    actions = _drop_unneeded(model, initial, actions, found.name)
    indexes = _indexes(model, initial, actions)
    assert indexes is not None  # every candidate kept was replayed
    rebuilt = replay(model, indexes, found.initial)
    detail = _first_violation(model, rebuilt[0].state, [s.action for s in rebuilt[1:]])
    if detail is None or detail[0] != found.name or detail[2] != len(indexes):
        raise NondeterministicModel(
            f"the shortened walk no longer breaks {found.name} when replayed; "
            "the model's actions, successors or properties are not deterministic"
        )
    return Counterexample(found.name, detail[1], rebuilt)


def _first_violation(
    model: Model[Any, Any], state: Any, actions: Sequence[Any]
) -> tuple[str, str, int] | None:
    """(property, detail, number of steps taken) of the first property broken
    along `actions` from `state`; None if none breaks or an action is not
    enabled where it is taken."""
    for p in model.invariants:
        detail = p.check(state)
        if detail is not None:
            return p.name, detail, 0
    for number, action in enumerate(actions, start=1):
        if action not in model.actions(state):
            return None
        nxt = model.next_state(state, action)
        for sp in model.step_properties:
            detail = sp.check(state, action, nxt)
            if detail is not None:
                return sp.name, detail, number
        for p in model.invariants:
            detail = p.check(nxt)
            if detail is not None:
                return p.name, detail, number
        state = nxt
    return None


def _breaks_at(
    model: Model[Any, Any], initial: Any, actions: Sequence[Any], name: str
) -> int | None:
    """The number of steps after which `name` is the first property broken."""
    first = _first_violation(model, initial, actions)
    return first[2] if first is not None and first[0] == name else None


def _cut_loops(model: Model[Any, Any], initial: Any, actions: list[Any]) -> list[Any]:
    """Drop the steps between two visits of one state (the violating last
    step is kept: its source state may repeat, its effect is what matters)."""
    states = [initial]
    for action in actions[:-1]:
        states.append(model.next_state(states[-1], action))
    last: dict[Any, int] = {s: i for i, s in enumerate(states)}
    kept: list[Any] = []
    i = 0
    while i < len(states):
        i = last[states[i]]
        if i < len(actions):
            kept.append(actions[i])
        i += 1
    return kept


def _drop_unneeded(
    model: Model[Any, Any], initial: Any, actions: list[Any], name: str
) -> list[Any]:
    tried = 0
    chunk = max(1, len(actions) // 2)
    while chunk >= 1 and tried < _MAX_CANDIDATES:
        changed = False
        start = len(actions) - chunk
        while start >= 0 and tried < _MAX_CANDIDATES:
            candidate = actions[:start] + actions[start + chunk :]
            tried += 1
            end = _breaks_at(model, initial, candidate, name)
            if end is not None:
                actions = candidate[:end]
                changed = True
                start = min(start, len(actions)) - chunk
            else:
                start -= 1 if chunk == 1 else chunk
        if not changed:
            if chunk == 1:
                break
            chunk //= 2
    return actions


def _indexes(model: Model[Any, Any], initial: Any, actions: Sequence[Any]) -> list[int] | None:
    indexes = []
    state = initial
    for action in actions:
        enabled = model.actions(state)
        if action not in enabled:
            return None
        indexes.append(list(enabled).index(action))
        state = model.next_state(state, action)
    return indexes
