"""Progress: stuck states and cycles of fair steps, on graphs checked by hand."""

from __future__ import annotations

from checker.explore import explore
from checker.model import PROGRESS
from checker.replay import replay
from checker.result import Verdict
from tests.checker.tiny_models import Counter, Edge, GraphModel, Spinner, TwoClocks, stuck_model
from tests.replaying import action_indexes


def test_a_model_that_always_reaches_quiescence_makes_progress() -> None:
    result = explore(Counter(5))
    assert result.verdict is Verdict.VERIFIED
    assert PROGRESS in result.checked


def test_the_shallowest_stuck_state_is_reported_with_the_path_to_it() -> None:
    result = explore(stuck_model())
    assert result.verdict is Verdict.VIOLATED
    cex = result.counterexample
    assert cex is not None
    assert cex.property_name == PROGRESS
    assert [s.state for s in cex.steps] == [0, 3]
    assert cex.loop_start is None
    assert "no path of fair steps" in cex.detail


def test_a_non_quiescent_deadlock_is_stuck_and_says_it_has_no_fair_step() -> None:
    model = GraphModel(edges={0: [Edge(1), Edge(2)], 1: [Edge(3)]}, quiescent=frozenset({3}))
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [0, 2]
    assert "it has no fair step" in cex.detail


def test_a_cycle_of_fair_steps_is_reported_as_a_lasso() -> None:
    result = explore(Spinner())
    assert result.verdict is Verdict.VIOLATED
    cex = result.counterexample
    assert cex is not None
    assert cex.property_name == PROGRESS
    assert [s.state for s in cex.steps] == [0, 1, 2, 1]
    assert cex.loop_start == 1
    assert cex.steps[-1].state == cex.steps[cex.loop_start].state
    assert "cycle of 2 fair step(s)" in cex.detail


def test_the_lasso_replays_to_the_same_steps() -> None:
    model = Spinner()
    cex = explore(model).counterexample
    assert cex is not None
    assert replay(model, action_indexes(cex.steps)) == cex.steps


def test_a_cycle_that_needs_an_unfair_step_does_not_count() -> None:
    assert explore(Spinner(fair_cycle=False)).verdict is Verdict.VERIFIED


def test_a_fair_self_loop_is_a_cycle_of_one_step() -> None:
    model = GraphModel(edges={0: [Edge(1)], 1: [Edge(1), Edge(2)]}, quiescent=frozenset({2}))
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [0, 1, 1]
    assert cex.loop_start == 1


def test_cycles_through_quiescent_states_are_fine() -> None:
    # Every state of TwoClocks is quiescent: its endless ticking is no violation.
    assert explore(TwoClocks()).verdict is Verdict.VERIFIED


def test_the_cycle_entry_is_its_shallowest_state() -> None:
    # 0 -> 1 -> 2 -> 3 -> 1; 1 is the shallowest state of the loop 1, 2, 3.
    model = GraphModel(
        edges={0: [Edge(1)], 1: [Edge(2), Edge(9)], 2: [Edge(3)], 3: [Edge(1)]},
        quiescent=frozenset({9}),
    )
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [0, 1, 2, 3, 1]
    assert cex.loop_start == 1


def test_liveness_off_skips_progress() -> None:
    result = explore(Spinner(), liveness=False)
    assert result.verdict is Verdict.VERIFIED
    assert PROGRESS not in result.checked


def test_no_liveness_verdict_on_an_incomplete_run() -> None:
    result = explore(stuck_model(), max_states=3)
    assert result.verdict is Verdict.INCOMPLETE


def test_a_cycle_met_at_its_deeper_state_is_entered_at_its_shallowest() -> None:
    # The walk 0, 1, 3, 2, 3 meets the loop {2, 3} at 3 (depth 2); 2 is at depth 1.
    model = GraphModel(
        edges={0: [Edge(1), Edge(2)], 1: [Edge(3)], 2: [Edge(3), Edge(9)], 3: [Edge(2), Edge(9)]},
        quiescent=frozenset({9}),
    )
    cex = explore(model).counterexample
    assert cex is not None
    assert [s.state for s in cex.steps] == [0, 2, 3, 2]
    assert cex.loop_start == 1
