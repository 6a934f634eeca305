"""Walks of any model that tests compare things on: the transitions of a
breadth-first prefix, the states within a few steps, and the step
properties checked one by one (what a combined `check_step` must equal)."""

from __future__ import annotations

from typing import Any


def breadth_first_transitions(model: Any, limit: int) -> list[tuple[Any, Any, Any]]:
    """The first `limit` transitions (state, action, next) of a breadth-first
    search that goes on past violations (the engine would stop at the first)."""
    frontier = list(model.initial_states())
    seen = set(frontier)
    found: list[tuple[Any, Any, Any]] = []
    while frontier and len(found) < limit:
        later = []
        for s in frontier:
            for a in model.actions(s):
                after = model.next_state(s, a)
                found.append((s, a, after))
                if after not in seen:
                    seen.add(after)
                    later.append(after)
        frontier = later
    return found


def one_by_one(model: Any, s: Any, a: Any, after: Any) -> tuple[str, str] | None:
    """The first step property (name, detail) the transition breaks, or None."""
    for p in model.step_properties:
        detail = p.check(s, a, after)
        if detail is not None:
            return p.name, detail
    return None


def reachable_within(model: Any, levels: int) -> list[Any]:
    """The distinct states within `levels` steps, in breadth-first order."""
    states = list(model.initial_states())
    seen = set(states)
    frontier = states
    for _ in range(levels):
        frontier = [model.next_state(s, a) for s in frontier for a in model.actions(s)]
        frontier = [s for s in dict.fromkeys(frontier) if s not in seen]
        seen.update(frontier)
        states += frontier
    return states
