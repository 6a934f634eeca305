"""The breadth-first explorer and replay, on tiny models with answers known by hand."""

from __future__ import annotations

import io
import time

import pytest

from checker.errors import BadBound, NondeterministicModel, ReplayError
from checker.explore import collision_probability, explore
from checker.model import Invariant, Sometimes, StepProperty
from checker.progress import ProgressLine
from checker.replay import replay
from checker.result import Stats, Verdict
from tests.checker.tiny_models import (
    Counter,
    Edge,
    GraphModel,
    Grid,
    ResetCounter,
    TwoClocks,
)
from tests.replaying import action_indexes


@pytest.mark.parametrize("exact", [False, True])
def test_a_counter_to_five_has_six_states_five_transitions_and_depth_five(exact: bool) -> None:
    result = explore(Counter(5), exact=exact)
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions, result.stats.depth) == (6, 5, 5)
    assert result.counterexample is None and result.bound is None


def test_a_3x3_grid_has_16_states_and_24_transitions() -> None:
    result = explore(Grid(3))
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions, result.stats.depth) == (16, 24, 6)


def test_two_independent_clocks_give_the_product_of_their_state_spaces() -> None:
    result = explore(TwoClocks(3, 4))
    assert (result.stats.states, result.stats.transitions, result.stats.depth) == (12, 24, 5)
    assert result.verdict is Verdict.VERIFIED


def test_an_invariant_violation_has_a_shortest_counterexample() -> None:
    result = explore(Grid(3, forbidden_sum=4))
    assert result.verdict is Verdict.VIOLATED
    cex = result.counterexample
    assert cex is not None
    assert cex.property_name == "SumIsNot4"
    assert cex.detail == "x+y = 4"
    assert cex.length == 4
    assert cex.steps[0].state == (0, 0) and cex.steps[0].action is None
    assert sum(cex.steps[-1].state) == 4
    # Each step is the recorded action applied to the previous state.
    for before, after in zip(cex.steps, cex.steps[1:], strict=False):
        assert Grid(3).next_state(before.state, after.action) == after.state


def test_the_bfs_counterexample_is_shorter_than_the_first_path_a_dfs_would_take() -> None:
    # 0 -> 1 -> 2 -> 3 (bad) listed first, 0 -> 3 listed second: BFS finds the 1-step path.
    model = GraphModel(
        edges={0: [Edge(1), Edge(3)], 1: [Edge(2)], 2: [Edge(3)]}, bad=frozenset({3})
    )
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [0, 3]
    assert [s.action_index for s in cex.steps] == [None, 1]


def test_a_violating_initial_state_gives_a_counterexample_of_length_zero() -> None:
    model = GraphModel(edges={0: [Edge(1)]}, bad=frozenset({0}))
    result = explore(model)
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is not None and result.counterexample.length == 0


def test_the_second_initial_state_is_replayed_from_its_index() -> None:
    model = GraphModel(edges={5: [Edge(6)]}, initial=(0, 5), bad=frozenset({6}))
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [5, 6]
    assert replay(model, [0], initial_index=1) == cex.steps


def test_a_step_property_names_the_offending_transition_into_a_visited_state() -> None:
    result = explore(ResetCounter())
    assert result.verdict is Verdict.VIOLATED
    cex = result.counterexample
    assert cex is not None
    assert cex.property_name == "NeverDecreases"
    assert cex.detail == "reset took s from 2 to 0"
    assert [(s.action, s.state) for s in cex.steps] == [
        (None, 0),
        ("inc", 1),
        ("inc", 2),
        ("reset", 0),
    ]
    assert result.stats.transitions == 3


def test_a_sometimes_property_never_met_makes_a_complete_run_violated() -> None:
    model = Counter(5, sometimes=[Sometimes("ReachesTen", lambda s: s == 10)])
    result = explore(model)
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is None
    assert result.unmet_sometimes == ("ReachesTen",)


def test_a_sometimes_property_met_lets_the_run_pass() -> None:
    model = Counter(5, sometimes=[Sometimes("ReachesThree", lambda s: s == 3)])
    result = explore(model)
    assert result.verdict is Verdict.VERIFIED
    assert result.unmet_sometimes == ()
    assert "ReachesThree" in result.checked


def test_a_sometimes_property_unmet_when_a_bound_stops_the_run_is_incomplete() -> None:
    model = Counter(5, sometimes=[Sometimes("ReachesFive", lambda s: s == 5)])
    result = explore(model, max_states=3)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "max_states=3"


def test_max_states_stops_the_run_as_incomplete_with_the_bound() -> None:
    result = explore(Grid(3), max_states=10)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "max_states=10"
    assert result.stats.states == 10
    assert result.counterexample is None


def test_max_states_equal_to_the_state_count_completes() -> None:
    assert explore(Grid(3), max_states=16).verdict is Verdict.VERIFIED
    assert explore(Grid(3), max_states=15).verdict is Verdict.INCOMPLETE


def test_a_violation_before_the_bound_is_still_violated() -> None:
    result = explore(Grid(3, forbidden_sum=1), max_states=10)
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample is not None and result.counterexample.length == 1


def test_max_seconds_stops_an_endless_model_as_incomplete() -> None:
    # A counter with no limit never finishes; the clock must stop it.
    endless = Counter(10**12)
    began = time.perf_counter()
    result = explore(endless, max_seconds=0.3, liveness=False)
    assert time.perf_counter() - began < 5
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "max_seconds=0.3"
    assert result.stats.states > 0


def test_a_negative_bound_is_refused_with_its_name() -> None:
    with pytest.raises(BadBound, match="max_states=-1"):
        explore(Counter(), max_states=-1)


def test_on_progress_is_called_with_live_stats() -> None:
    seen: list[int] = []

    def record(stats: Stats) -> None:
        seen.append(stats.states)

    explore(Counter(10**12), max_seconds=1.2, liveness=False, on_progress=record)
    assert len(seen) >= 1
    assert seen == sorted(seen) and seen[0] > 0


def test_the_collision_estimate_follows_the_birthday_bound() -> None:
    assert collision_probability(2**32) == pytest.approx(0.5)
    result = explore(Grid(3))
    assert result.stats.collision_probability == pytest.approx(16**2 / 2**65)
    assert explore(Grid(3), exact=True).stats.collision_probability == 0.0


def test_checked_lists_every_property_and_progress() -> None:
    model = Counter(3, invariants=[Invariant("Small", lambda s: None)])
    assert explore(model).checked == ("Small", "Progress")
    assert explore(model, liveness=False).checked == ("Small",)


def test_replay_of_a_counterexample_reproduces_it() -> None:
    model = Grid(3, forbidden_sum=4)
    cex = explore(model).counterexample
    assert cex is not None
    indexes = action_indexes(cex.steps)
    assert replay(model, indexes) == cex.steps


def test_replay_of_an_index_that_is_not_enabled_says_which_step_and_what_is_enabled() -> None:
    with pytest.raises(ReplayError, match=r"step 2: action index 5 is not enabled; 1 action\(s\)"):
        replay(Counter(5), [0, 5])
    with pytest.raises(ReplayError, match="no action is enabled"):
        replay(Counter(1), [0, 0])
    with pytest.raises(ReplayError, match="initial state index 1 does not exist"):
        replay(Counter(1), [], initial_index=1)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_draws_in_place_on_a_terminal_and_close_erases_it() -> None:
    out = _Terminal()
    line = ProgressLine(out)
    stats = Stats(states=123_456, transitions=1_234_567, depth=17, seconds=3.0, frontier=9_000)
    stats.peak_memory_bytes = 312 * 2**20
    line(stats)
    assert out.getvalue() == (
        "\r\x1b[Kstates 123,456  transitions 1,234,567  depth 17  frontier 9,000  "
        "41,152 states/s  312 MB"
    )
    line.close()
    assert out.getvalue().endswith("MB\r\x1b[K")


def test_the_progress_line_stays_silent_for_short_runs_pipes_and_quiet() -> None:
    short, long = Stats(states=10, seconds=0.5), Stats(states=10, seconds=2.0)
    for stream, enabled, stats in (
        (_Terminal(), None, short),  # the run has not lasted a second yet
        (io.StringIO(), None, long),  # stderr is not a terminal
        (_Terminal(), False, long),  # --quiet
    ):
        line = ProgressLine(stream, enabled=enabled)
        line(stats)
        line.close()
        assert stream.getvalue() == ""


def test_a_model_whose_action_order_changes_between_calls_is_refused() -> None:
    class Fickle(GraphModel):
        calls = 0

        def actions(self, s: int) -> tuple[Edge, ...]:
            Fickle.calls += 1
            edges = (Edge(1), Edge(2)) if s == 0 else ()
            return edges if Fickle.calls % 2 else edges[::-1]

    with pytest.raises(NondeterministicModel, match="not deterministic"):
        explore(Fickle(edges={}, bad=frozenset({2})))


class ResetCounterCheckingAtOnce(ResetCounter):
    """ResetCounter offering `check_step`: its one step property at once,
    counting its calls. A second, decoy property the combined check leaves
    out shows which path the engine took."""

    step_properties: tuple[StepProperty, ...] = (
        *ResetCounter.step_properties,
        StepProperty("Decoy", lambda s, a, t: "the engine called the properties one by one"),
    )

    def __init__(self) -> None:
        self.calls = 0

    def check_step(self, s: int, a: str, t: int) -> tuple[str, str] | None:
        self.calls += 1
        detail = ResetCounter.step_properties[0].check(s, a, t)
        return None if detail is None else ("NeverDecreases", detail)


def test_the_engine_checks_steps_through_check_step_once_a_transition() -> None:
    model = ResetCounterCheckingAtOnce()
    result = explore(model)
    # 0 -> 1 -> 2 -> 0: the reset (third transition) breaks NeverDecreases.
    assert result.counterexample is not None
    assert result.counterexample.property_name == "NeverDecreases"
    assert [s.state for s in result.counterexample.steps] == [0, 1, 2, 0]
    assert model.calls == 3 and result.stats.transitions == 3


def test_a_model_without_step_properties_is_never_asked_for_check_step() -> None:
    model = ResetCounterCheckingAtOnce()
    model.step_properties = ()
    result = explore(model)
    assert result.verdict is Verdict.VERIFIED and model.calls == 0
    assert (result.stats.states, result.stats.transitions) == (3, 3)
