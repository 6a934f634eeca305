"""An independent check of a model's ample sets: explore the whole
reachable graph, full and reduced, without stopping at a violation, and
compare which properties break somewhere (invariants on states, step
properties on explored transitions) and which sometimes properties are met;
and, stronger, the set of *views* reached: the part of the state the
properties read (`view`, given by the test). The reduction's argument
(checker/por.py) shows that every view the full graph reaches, the reduced
one reaches too, so the sets must be equal.

The reduced walk takes its ample sets from `checker.por.AmpleSets` (the
same C0, C2 and C3 as the engine, the proviso against the ids of the states
visited before the level being built), but is a separate breadth-first loop
over whole states, so it also shows what a reduction keeps beyond the first
violation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.por import AmpleSets


@dataclass(frozen=True)
class Verdicts:
    states: int
    broken: frozenset[str]  # invariants and step properties violated somewhere
    met: frozenset[str]  # sometimes properties some state meets
    views: frozenset[Any]  # the views of the reachable states


def verdicts(model: Any, por: bool, view: Callable[[Any], Any] = lambda s: None) -> Verdicts:
    seen: dict[Any, int] = {}  # state -> id, in BFS order
    frontier = []
    for s in model.initial_states():
        if s not in seen:
            seen[s] = len(seen)
            frontier.append(s)
    ample = AmpleSets(model, seen.get) if por else None
    broken: set[str] = set()
    met: set[str] = set()
    views: set[Any] = set()
    while frontier:
        following = []
        if ample is not None:
            ample.next_level = len(seen)  # every id so far is at this level or before
        for s in frontier:
            broken.update(p.name for p in model.invariants if p.check(s) is not None)
            met.update(p.name for p in model.sometimes if p.check(s))
            views.add(view(s))
            enabled = model.actions(s)
            picks = None if ample is None else ample.choose(s, enabled)
            for _, action in enumerate(enabled) if picks is None else picks:
                nxt = model.next_state(s, action)
                broken.update(
                    p.name for p in model.step_properties if p.check(s, action, nxt) is not None
                )
                if nxt not in seen:
                    seen[nxt] = len(seen)
                    following.append(nxt)
        frontier = following
    return Verdicts(len(seen), frozenset(broken), frozenset(met), frozenset(views))


def assert_same_verdicts(model: Any, view: Callable[[Any], Any], label: object) -> None:
    """The reduced graph breaks and meets the same properties as the full one,
    reaches the same views, and is no larger."""
    full, reduced = verdicts(model, False, view), verdicts(model, True, view)
    assert (reduced.broken, reduced.met) == (full.broken, full.met), label
    assert reduced.views == full.views, label
    assert reduced.states <= full.states
