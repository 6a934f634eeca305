"""Random walks (`checker.simulate`) and the shortening of the walks that
break a property (`checker.shorten`), on tiny models known by hand."""

from __future__ import annotations

import random
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
from tests.replaying import action_indexes
from tests.safety_models import without_progress


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
    sim = simulate(without_progress(Ring()), runs=50, depth=40, seed=seed)
    ce = sim.result.counterexample
    assert sim.result.verdict is Verdict.VIOLATED and ce is not None
    assert ce.property_name == "NotThree" and ce.steps[-1].state == 3
    assert ce.length == 3
    assert sim.found_length is not None and sim.found_length >= 3
    replayed = replay(without_progress(Ring()), action_indexes(ce.steps))
    assert [s.state for s in replayed] == [s.state for s in ce.steps]


def test_a_step_property_violation_keeps_its_last_step() -> None:
    sim = simulate(without_progress(Ring(step=True)), runs=50, depth=40, seed=3)
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


@pytest.mark.parametrize(
    "bad", [{"runs": -1}, {"depth": 1.5}, {"max_seconds": -2}, {"bug_depth": 0}]
)
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


class Late:
    """A message sent at the start and a clock: `Tick` (t up to 8) and
    `Deliver` (once). The invariant NotLate fails when the message arrives at
    t >= 5, so the shortest violation is 5 ticks then Deliver: 6 steps.
    `reset=True` adds `Reset` (t back to 0), which makes the late delivery
    rare for walks that start from the initial state."""

    name = "late"
    sometimes = ()
    step_properties: tuple[StepProperty, ...] = ()

    def __init__(self, reset: bool = False) -> None:
        self.reset = reset
        self.invariants = (
            Invariant("NotLate", lambda s: "delivered at t >= 5" if s[1] and s[0] >= 5 else None),
        )

    def initial_states(self) -> tuple[tuple[int, bool], ...]:
        return ((0, False),)

    def actions(self, s: tuple[int, bool]) -> tuple[str, ...]:
        if s[1]:
            return ()
        if s[0] == 8:
            return ("Deliver",)
        return ("Deliver", "Tick", "Reset") if self.reset else ("Deliver", "Tick")

    def next_state(self, s: tuple[int, bool], a: str) -> tuple[int, bool]:
        if a == "Deliver":
            return (s[0], True)
        return (s[0] + 1, False) if a == "Tick" else (0, False)

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, bool]) -> Mapping[str, Any]:
        return {"t": s[0], "delivered": s[1]}


@pytest.mark.parametrize("seed", range(3))
def test_the_delay_policy_holds_a_message_back_and_finds_the_late_delivery(seed: int) -> None:
    sim = simulate(without_progress(Late()), runs=200, depth=20, seed=seed, policy="delay")
    ce = sim.result.counterexample
    assert sim.result.verdict is Verdict.VIOLATED and ce is not None
    assert ce.length == 6 and [s.action for s in ce.steps[1:]] == ["Tick"] * 5 + ["Deliver"]
    replayed = replay(without_progress(Late()), action_indexes(ce.steps))
    assert replayed[-1].state == (5, True)


def test_a_held_action_waits_until_its_release_unless_every_action_is_held() -> None:
    from checker.simulate import _Delays

    for seed in range(20):
        delays = _Delays(random.Random(seed))
        delays.chance, delays.longest = 1.0, 4
        first = delays.ready(["a", "b"], 0)  # both held: those released first
        ra, rb = delays.release["a"], delays.release["b"]
        assert 1 <= ra <= 4 and 1 <= rb <= 4
        assert first == [i for i, r in enumerate((ra, rb)) if r == min(ra, rb)]
        delays.release["c"] = 0  # ready now: the held ones wait
        assert delays.ready(["a", "b", "c"], 0) == [2]
        assert delays.ready(["a", "b"], 4) == [0, 1]  # released by then


def test_restarted_walks_resume_a_prefix_and_their_counterexamples_replay() -> None:
    # With Reset, a walk from t = 0 reaches t = 5 undelivered rarely; resumed
    # from states earlier walks reached, walks keep their path from the
    # initial state, so the violation is still shortened to the 6 steps.
    for seed in range(3):
        sim = simulate(
            without_progress(Late(reset=True)), runs=500, depth=12, seed=seed, policy="restart"
        )
        ce = sim.result.counterexample
        assert ce is not None and ce.length == 6
        replayed = replay(without_progress(Late(reset=True)), action_indexes(ce.steps))
        assert replayed[-1].state == (5, True)
        assert sim.coverage.deepest <= 12


@pytest.mark.parametrize("seed", range(3))
def test_the_hold_policy_keeps_one_message_back_and_finds_the_late_delivery(seed: int) -> None:
    sim = simulate(without_progress(Late()), runs=200, depth=20, seed=seed, policy="hold")
    ce = sim.result.counterexample
    assert sim.result.verdict is Verdict.VIOLATED and ce is not None
    assert ce.length == 6 and [s.action for s in ce.steps[1:]] == ["Tick"] * 5 + ["Deliver"]


def test_the_held_action_is_offered_only_when_released_or_alone() -> None:
    from checker.simulate import _HoldOne

    for seed in range(20):
        hold = _HoldOne(random.Random(seed), 10)
        assert 0 <= hold.at < 10 and hold.at < hold.until <= hold.at + 10
        assert hold.ready(["a", "b"], 0) == [0, 1] or hold.at == 0
        at = hold.at
        offered = hold.ready(["a", "b"], at)  # one of the two is held from now on
        assert len(offered) == 1 and hold.held in ("a", "b")
        held = ["a", "b"].index(hold.held)
        assert hold.ready(["a", "b", "c"], hold.until - 1) == [i for i in (0, 1, 2) if i != held]
        assert hold.ready([hold.held], hold.until - 1) == [0]  # alone: taken
        assert hold.ready(["a", "b"], hold.until) == [0, 1]  # released


@pytest.mark.parametrize("policy", ["swarm", "delay", "restart", "hold", "pct", "swarm-pct"])
def test_each_policy_gives_the_same_walks_for_the_same_seed(policy: str) -> None:
    a = simulate(Grid(6), runs=30, depth=8, seed=7, policy=policy).coverage
    b = simulate(Grid(6), runs=30, depth=8, seed=7, policy=policy).coverage
    assert a == b


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(BadBound, match="policy='bfs'"):
        simulate(Counter(), runs=1, depth=1, policy="bfs")


class Window:
    """A clock `Tick` (t up to k) and one message `Deliver`, both enabled
    from the start and each one action (the same value every step). The
    invariant NotAtJ fails when the message arrives at t = j, 0 < j < k: the
    bug needs Deliver held back past exactly j ticks, then taken.

    Under pct every walk is k + 1 steps (k ticks and the delivery) unless it
    breaks NotAtJ. With bug depth 1 (no change point) the higher of the two
    priorities goes first and keeps going: Deliver at t = 0 or t = k, never
    at j. With bug depth 2 one change point c is drawn uniformly in 0..k: the
    walk breaks NotAtJ exactly when Tick has the higher priority (chance 1/2)
    and c = j (chance 1/(k+1)), where Tick, about to be taken, is demoted
    and Deliver goes: 1 / (2 (k+1)), PCT's bound 1/(n k^(d-1)) with n = 2."""

    name = "window"
    sometimes = ()
    step_properties: tuple[StepProperty, ...] = ()

    def __init__(self, k: int, j: int) -> None:
        self.k = k
        self.invariants = (
            Invariant("NotAtJ", lambda s: f"delivered at t = {j}" if s[1] == j else None),
        )

    def initial_states(self) -> tuple[tuple[int, int], ...]:
        return ((0, -1),)  # (t, the time of the delivery or -1)

    def actions(self, s: tuple[int, int]) -> tuple[str, ...]:
        return (("Tick",) if s[0] < self.k else ()) + (("Deliver",) if s[1] < 0 else ())

    def next_state(self, s: tuple[int, int], a: str) -> tuple[int, int]:
        return (s[0] + 1, s[1]) if a == "Tick" else (s[0], s[0])

    def describe_action(self, a: str) -> str:
        return a

    def describe_state(self, s: tuple[int, int]) -> Mapping[str, Any]:
        return {"t": s[0], "delivered at": s[1]}


def _window_walks_that_break(bug_depth: int, walks: int) -> list[int]:
    """Seeds of single pct walks of Window(9, 4) that break NotAtJ."""
    found = []
    for seed in range(walks):
        sim = simulate(
            without_progress(Window(9, 4)),
            runs=1,
            depth=10,
            seed=seed,
            policy="pct",
            bug_depth=bug_depth,
        )
        if sim.result.verdict is Verdict.VIOLATED:
            found.append(seed)
        else:
            assert sim.coverage.steps == 10  # k ticks and the delivery
    return found


def test_pct_without_a_change_point_never_delivers_inside_the_window() -> None:
    assert _window_walks_that_break(1, 400) == []


def test_pct_with_one_change_point_finds_the_window_at_the_computed_rate() -> None:
    # 1/20 of 2,000 walks: 100 expected, standard deviation 9.7.
    found = _window_walks_that_break(2, 2000)
    assert 70 <= len(found) <= 130, len(found)
    sim = simulate(
        without_progress(Window(9, 4)), runs=1, depth=10, seed=found[0], policy="pct", bug_depth=2
    )
    ce = sim.result.counterexample
    assert ce is not None and [s.action for s in ce.steps[1:]] == ["Tick"] * 4 + ["Deliver"]


def test_pct_draws_the_bug_depth_per_walk_when_none_is_given() -> None:
    # Depths 1 to 5 drawn: some walks have a change point, so the window is hit.
    sim = simulate(without_progress(Window(9, 4)), runs=500, depth=10, seed=1, policy="pct")
    assert sim.result.verdict is Verdict.VIOLATED


def test_a_demoted_action_goes_below_every_other_and_later_ones_lower_still() -> None:
    from checker.simulate import _Priorities

    pct = _Priorities(random.Random(3), bug_depth=3, steps=10)
    pct.priority = {"a": 0.9, "b": 0.5, "c": 0.1}
    pct.changes = [2, 2, 5]  # two change points at step 2, one at 5
    kinds = ["x", "x", "x"]
    assert pct.choose(["a", "b", "c"], kinds, 0) == 0  # the highest
    assert pct.choose(["a", "b", "c"], kinds, 2) == 2  # a, then b demoted
    assert pct.priority == {"a": -1.0, "b": -2.0, "c": 0.1}
    assert pct.choose(["a", "b"], kinds[:2], 3) == 0  # demoted first, so above b
    assert pct.choose(["b"], kinds[:1], 5) == 0  # alone: taken, not demoted
    assert pct.priority["b"] == -2.0 and pct.changes == []
    pct.choose(["d", "a"], kinds[:2], 6)
    assert 0.0 <= pct.priority["d"] < 1.0  # drawn when first enabled


@pytest.mark.parametrize("seed", range(3))
def test_swarm_pct_finds_the_late_delivery(seed: int) -> None:
    # A walk whose swarm weight for Deliver is below Tick's ranks Deliver
    # low: it waits for the clock, past t = 5.
    sim = simulate(without_progress(Late()), runs=200, depth=20, seed=seed, policy="swarm-pct")
    ce = sim.result.counterexample
    assert ce is not None and [s.action for s in ce.steps[1:]] == ["Tick"] * 5 + ["Deliver"]


def test_pct_gives_actions_of_one_kind_first_enabled_together_one_priority() -> None:
    from checker.simulate import _Priorities

    pct = _Priorities(random.Random(5), bug_depth=1, steps=10)
    pct.choose(["join c1", "join c2", "deliver"], ["Join", "Join", "Deliver"], 0)
    p = pct.priority
    assert p["join c1"] == p["join c2"] != p["deliver"]
    pct.choose(["join c3", "deliver"], ["Join", "Deliver"], 1)  # a later Join: its own draw
    assert p["join c3"] != p["join c1"]
    # Tied, the two joins are taken in either order, depending on the seed.
    firsts = set()
    for seed in range(20):
        pct = _Priorities(random.Random(seed), bug_depth=1, steps=10)
        pct.priority = {"join c1": 0.5, "join c2": 0.5, "deliver": 0.1}
        firsts.add(pct.choose(["join c1", "join c2", "deliver"], ["Join", "Join", "Deliver"], 0))
    assert firsts == {0, 1}
