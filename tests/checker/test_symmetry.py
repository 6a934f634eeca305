"""Symmetry in the engine, on tiny models whose classes are known by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from checker.explore import collision_probability, explore
from checker.model import PROGRESS, Invariant, StepProperty, collision_factor
from checker.parallel import explore_parallel
from checker.replay import replay
from checker.result import Verdict
from tests.replaying import action_indexes


class TwoCounters:
    """(x, y) in 0..2 squared, from (0, 0) by IncX, IncY; the two counters
    are interchangeable. 9 states, 12 transitions; 6 classes (unordered
    pairs), whose transitions from the representatives are 1+2+2+1+2+... .
    Quiescent at (2, 2). `bad`: an invariant broken at {x, y} = {0, 2}."""

    name = "two counters"
    step_properties: tuple[StepProperty, ...] = ()
    sometimes = ()

    def __init__(self, bad: bool = False) -> None:
        broken = Invariant("NotZeroTwo", lambda s: "0 and 2" if sorted(s) == [0, 2] else None)
        self.invariants = (broken,) if bad else ()

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((0, 0),)

    def actions(self, s: tuple[int, int]) -> tuple[str, ...]:
        return tuple(a for a, v in (("IncX", s[0]), ("IncY", s[1])) if v < 2)

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        return (s[0] + 1, s[1]) if a == "IncX" else (s[0], s[1] + 1)

    def is_fair(self, s: tuple[int, int], a: str) -> bool:
        return True

    def is_quiescent(self, s: tuple[int, int]) -> bool:
        return s == (2, 2)

    def canonical(self, s: tuple[int, int]) -> tuple[int, int]:
        return (min(s), max(s))

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"x": s[0], "y": s[1]}


class Juggler:
    """Two interchangeable nodes pass one ball back and forth, (1, 0) ->
    (0, 1) -> (1, 0), until either drops it: Stop -> (0, 0), quiescent.
    3 states, 2 classes. Every state can stop, but Pass forever is a fair
    cycle that avoids quiescence; in the quotient it is a self-loop, so the
    concrete lasso must go round it twice: 2 steps, loop_start 0."""

    name = "juggler"
    invariants = ()
    step_properties: tuple[StepProperty, ...] = ()
    sometimes = ()

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((1, 0),)

    def actions(self, s: tuple[int, int]) -> tuple[str, ...]:
        return ("Pass", "Stop") if s != (0, 0) else ()

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        return (s[1], s[0]) if a == "Pass" else (0, 0)

    def is_fair(self, s: tuple[int, int], a: str) -> bool:
        return True

    def is_quiescent(self, s: tuple[int, int]) -> bool:
        return s == (0, 0)

    def canonical(self, s: tuple[int, int]) -> tuple[int, int]:
        return (min(s), max(s))

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"a": s[0], "b": s[1]}


def test_symmetry_visits_one_state_per_class_and_the_full_run_every_state() -> None:
    full = explore(TwoCounters())
    reduced = explore(TwoCounters(), symmetry=True)
    assert (full.stats.states, full.stats.transitions) == (9, 12)
    # Classes {00},{01},{02},{11},{12},{22}; expanded from representatives
    # (0,0):2 (1,0) or (0,1):2 (0,2):1 ... 2+2+1+2+1+0 = 8 transitions.
    assert (reduced.stats.states, reduced.stats.transitions) == (6, 8)
    assert full.verdict is reduced.verdict is Verdict.VERIFIED


def test_symmetry_off_by_default_and_ignored_in_a_model_without_canonical() -> None:
    from tests.checker.tiny_models import Grid

    assert explore(Grid(2), symmetry=True).stats.states == explore(Grid(2)).stats.states == 9


def test_a_counterexample_under_symmetry_is_concrete_shortest_and_replays() -> None:
    full = explore(TwoCounters(bad=True))
    reduced = explore(TwoCounters(bad=True), symmetry=True, exact=True)
    assert full.counterexample is not None and reduced.counterexample is not None
    assert reduced.counterexample.length == full.counterexample.length == 2
    steps = reduced.counterexample.steps
    replayed = replay(TwoCounters(bad=True), action_indexes(steps))
    assert [s.state for s in replayed] == [s.state for s in steps]
    assert sorted(steps[-1].state) == [0, 2]


def test_progress_lasso_under_symmetry_closes_on_a_concrete_state() -> None:
    full = explore(Juggler())
    reduced = explore(Juggler(), symmetry=True)
    assert full.stats.states == 3 and reduced.stats.states == 2
    for result in (full, reduced):
        ce = result.counterexample
        assert ce is not None and ce.property_name == PROGRESS
        assert (ce.length, ce.loop_start) == (2, 0)
        assert ce.steps[-1].state == ce.steps[0].state


def test_progress_verdict_is_the_same_with_and_without_symmetry() -> None:
    assert explore(TwoCounters()).verdict is Verdict.VERIFIED
    assert explore(TwoCounters(), symmetry=True).verdict is Verdict.VERIFIED


class SpreadCounters(TwoCounters):
    """TwoCounters whose class fingerprints collide three times as often as `hash`."""

    collision_factor: float = 3


def test_the_collision_estimate_is_scaled_by_the_models_factor_under_symmetry_only() -> None:
    reduced = explore(SpreadCounters(), symmetry=True)
    assert reduced.stats.states == 6
    assert reduced.stats.collision_probability == 3 * collision_probability(6)
    on_two = explore_parallel(SpreadCounters(), workers=2, symmetry=True)
    assert on_two.stats.collision_probability == 3 * collision_probability(6)
    plain = explore(SpreadCounters(), symmetry=False)
    assert plain.stats.collision_probability == collision_probability(9)
    assert explore(TwoCounters(), symmetry=True).stats.collision_probability == (
        collision_probability(6)
    )


def test_a_collision_factor_below_one_is_refused_by_name() -> None:
    model = SpreadCounters()
    model.collision_factor = 0.5
    with pytest.raises(ValueError, match=r"collision_factor 0\.5: expected a number >= 1"):
        collision_factor(model)
