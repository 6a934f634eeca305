"""Random walks (`checker.simulate`) and the shortening of the walks that
break a property (`checker.shorten`), on tiny models known by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from checker.errors import BadBound
from checker.model import Invariant, StepProperty
from checker.replay import replay
from checker.result import Verdict
from checker.shorten import Violation, shorten
from checker.simulate import action_kind, simulate
from tests.checker.tiny_models import Counter, Grid


class Ring:
    """s in 0..5 on a ring, Fwd and Back; the invariant NotThree fails at 3,
    three steps away either way. A walk wanders (loops); cut and shortened,
    any walk to 3 is 3 steps. `step=True` instead breaks the step property
    NoBackFromFour on Back from 4."""

    name = "ring"
    sometimes = ()

    def __init__(self, step: bool = False) -> None:
        self.invariants: tuple[Invariant, ...] = ()
        self.step_properties: tuple[StepProperty, ...] = ()
        if step:
            self.step_properties = (
                StepProperty(
                    "NoBackFromFour", lambda s, a, t: "4 -> 3" if (s, a) == (4, "Back") else None
                ),
            )
        else:
            self.invariants = (Invariant("NotThree", lambda s: "s = 3" if s == 3 else None),)

    def initial_states(self) -> tuple[int, ...]:
        return (0,)

    def actions(self, s: int) -> tuple[str, ...]:
        return ("Fwd", "Back")

    def next_state(self, s: int, a: str) -> int:
        return (s + 1) % 6 if a == "Fwd" else (s - 1) % 6

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: int) -> Mapping[str, Any]:
        return {"s": s}


def test_walks_of_a_counter_cover_its_six_states_and_end_when_nothing_is_enabled() -> None:
    sim = simulate(Counter(5), runs=3, depth=10, seed=1)
    assert sim.result.verdict is Verdict.VERIFIED
    cov = sim.coverage
    assert (cov.walks, cov.steps, cov.distinct_states, cov.deepest, cov.deadlocks) == (
        3,
        15,
        6,
        5,
        3,
    )
    assert cov.taken == {"inc": 15}
    assert cov.never_taken == ()


def test_depth_bounds_each_walk() -> None:
    cov = simulate(Counter(5), runs=2, depth=3, seed=0).coverage
    assert (cov.steps, cov.deepest, cov.distinct_states, cov.deadlocks) == (6, 3, 4, 0)


def test_actions_enabled_but_never_taken_are_reported() -> None:
    cov = simulate(Grid(3), runs=1, depth=1, seed=0).coverage
    assert cov.steps == 1
    assert len(cov.never_taken) == 1 and cov.never_taken[0] in {"IncX", "IncY"}


def test_the_same_seed_gives_the_same_walks_and_another_seed_others() -> None:
    a = simulate(Grid(6), runs=20, depth=8, seed=7).coverage
    b = simulate(Grid(6), runs=20, depth=8, seed=7).coverage
    c = simulate(Grid(6), runs=20, depth=8, seed=8).coverage
    assert a == b
    assert a.taken != c.taken or a.distinct_states != c.distinct_states


@pytest.mark.parametrize("seed", range(5))
def test_a_violating_walk_is_cut_and_shortened_to_three_steps(seed: int) -> None:
    sim = simulate(Ring(), runs=50, depth=40, seed=seed)
    ce = sim.result.counterexample
    assert sim.result.verdict is Verdict.VIOLATED and ce is not None
    assert ce.property_name == "NotThree" and ce.steps[-1].state == 3
    assert ce.length == 3
    assert sim.found_length is not None and sim.found_length >= 3
    replayed = replay(Ring(), [s.action_index for s in ce.steps[1:]])
    assert [s.state for s in replayed] == [s.state for s in ce.steps]


def test_a_step_property_violation_keeps_its_last_step() -> None:
    sim = simulate(Ring(step=True), runs=50, depth=40, seed=3)
    ce = sim.result.counterexample
    assert ce is not None and ce.property_name == "NoBackFromFour"
    assert ce.steps[-2].state == 4 and ce.steps[-1].action == "Back"
    assert ce.length == 3  # Back, Back to 4, then Back


def test_shorten_drops_steps_the_violation_does_not_need() -> None:
    model = Grid(4, forbidden_sum=3)
    # IncY, IncX, IncY: x+y = 3 after three steps; nothing to drop. Then a
    # noisy one: the walk must reach the sum by its last step, so only the
    # loop-free minimum of 3 remains.
    ce = shorten(model, Violation("SumIsNot3", "x+y = 3", 0, [1, 0, 1]))
    assert ce.length == 3


def test_shorten_refuses_a_walk_that_does_not_break_the_property() -> None:
    from checker.errors import NondeterministicModel

    with pytest.raises(NondeterministicModel, match="did not break it again"):
        shorten(Grid(4, forbidden_sum=3), Violation("SumIsNot3", "x", 0, [0]))


def test_a_time_bound_stops_the_walks_as_incomplete() -> None:
    sim = simulate(Counter(5), runs=10, depth=5, seed=0, max_seconds=0)
    assert sim.result.verdict is Verdict.INCOMPLETE
    assert sim.result.bound == "max_seconds=0"


@pytest.mark.parametrize("bad", [{"runs": -1}, {"depth": 1.5}, {"max_seconds": -2}])
def test_bad_bounds_are_refused(bad: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {"runs": 1, "depth": 1, **bad}
    with pytest.raises(BadBound):
        simulate(Counter(), **kwargs)


def test_action_kinds_are_strings_names_or_class_names() -> None:
    class WithName:
        name = "ServerReceiveRead"

    assert action_kind("inc") == "inc"
    assert action_kind(WithName()) == "ServerReceiveRead"
    assert action_kind(3) == "int"
