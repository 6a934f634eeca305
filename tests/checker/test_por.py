"""Partial-order reduction in the engine, on tiny models whose full and
reduced graphs are known by hand (tests/checker/por_models.py)."""

from __future__ import annotations

import pytest

import checker.por
from checker.explore import explore
from checker.model import PROGRESS
from checker.por import PARTIAL_ORDER, BadAmpleSet
from checker.replay import replay
from checker.result import Verdict
from tests.checker.por_models import BadAmple, IndependentCounters, SpinAndFlip
from tests.checker.tiny_models import Grid
from tests.replaying import action_indexes
from tests.safety_models import without_progress


@pytest.mark.parametrize(("n", "k"), [(2, 2), (3, 2), (3, 3), (4, 1)])
def test_independent_counters_full_is_the_product_and_reduced_is_a_line(n: int, k: int) -> None:
    full = explore(without_progress(IndependentCounters(n, k)))
    reduced = explore(without_progress(IndependentCounters(n, k)), por=True)
    assert (full.stats.states, full.stats.transitions) == ((k + 1) ** n, n * k * (k + 1) ** (n - 1))
    assert (reduced.stats.states, reduced.stats.transitions) == (n * k + 1, n * k)
    assert full.verdict is reduced.verdict is Verdict.VERIFIED
    assert reduced.reductions == (PARTIAL_ORDER,) and full.reductions == ()
    # Every state of the line but the last counter's k is reduced (those have one action: C0).
    assert reduced.por is not None and reduced.por.reduced == n * k - k
    assert full.por is None


def test_a_visible_action_is_never_in_an_ample_set_and_counterexamples_get_longer() -> None:
    # LastBelowK reads the last counter only: the others are reduced, Inc 2 is not.
    full = explore(without_progress(IndependentCounters(3, 2, watch_last=True)))
    reduced = explore(without_progress(IndependentCounters(3, 2, watch_last=True)), por=True)
    assert full.verdict is reduced.verdict is Verdict.VIOLATED
    assert full.counterexample is not None and reduced.counterexample is not None
    assert full.counterexample.property_name == reduced.counterexample.property_name
    assert (full.counterexample.length, reduced.counterexample.length) == (2, 6)
    assert reduced.por is not None and reduced.por.refused_visible == 0
    # The reduced path replays on the model as written, by the recorded indexes.
    indexes = action_indexes(reduced.counterexample.steps)
    assert replay(without_progress(IndependentCounters(3, 2)), indexes)[-1].state == (2, 2, 2)


def test_the_engine_refuses_an_ample_set_with_a_visible_action() -> None:
    # NotBothOne reads c0 and c1: the candidate {Inc 0} is refused at (0, 0)
    # and at (1, 0), whose full expansion reaches (1, 1): 2 refusals, 2 steps.
    honest = explore(without_progress(IndependentCounters(2, 2, both_one=True)), por=True)
    assert honest.verdict is Verdict.VIOLATED and honest.counterexample is not None
    assert honest.counterexample.length == 2
    assert honest.por is not None and honest.por.reduced == 0 and honest.por.refused_visible == 2
    # Were C2 not enforced (the model hides visibility), (1, 1) would be skipped.
    lying = explore(
        without_progress(IndependentCounters(2, 2, both_one=True, hide_visibility=True)), por=True
    )
    assert lying.verdict is Verdict.VERIFIED and lying.stats.states == 5


def test_the_cycle_proviso_expands_a_state_whose_ample_successor_is_visited() -> None:
    full = explore(SpinAndFlip(), liveness=False)
    reduced = explore(SpinAndFlip(), por=True)
    assert full.counterexample is not None and full.counterexample.length == 1
    assert reduced.verdict is Verdict.VIOLATED and reduced.counterexample is not None
    assert [s.action for s in reduced.counterexample.steps[1:]] == ["Spin", "Flip"]
    assert reduced.por is not None and reduced.por.refused_proviso == 1


def test_without_the_cycle_proviso_the_reduction_would_miss_the_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(checker.por, "CYCLE_PROVISO", False)
    wrong = explore(SpinAndFlip(), por=True)
    assert wrong.verdict is Verdict.VERIFIED and wrong.stats.states == 2


def test_progress_is_not_checked_under_por() -> None:
    # Without its invariant, SpinAndFlip only breaks Progress (nothing is
    # ever quiescent): the full run says so; under POR Progress is not
    # checked, so the run verifies what it checked and says what that was.
    model = SpinAndFlip()
    model.invariants = ()
    full, reduced = explore(model), explore(model, por=True)
    assert full.verdict is Verdict.VIOLATED and full.counterexample is not None
    assert full.counterexample.property_name == PROGRESS
    assert reduced.verdict is Verdict.VERIFIED
    assert PROGRESS in full.checked and PROGRESS not in reduced.checked


def test_a_model_without_ample_sets_is_explored_unchanged() -> None:
    plain, asked = explore(Grid(3)), explore(Grid(3), por=True)
    assert (asked.stats.states, asked.stats.transitions) == (16, 24)
    assert (plain.stats.states, plain.stats.transitions) == (16, 24)
    assert asked.reductions == () and asked.por is None and PROGRESS in asked.checked


def test_an_ample_index_out_of_range_is_a_clear_model_error() -> None:
    with pytest.raises(BadAmpleSet, match="not an index into the 2 enabled actions"):
        explore(without_progress(BadAmple(2, 2)), por=True)


class SymmetricCounters(IndependentCounters):
    def canonical(self, s: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(s))


def test_por_with_symmetry_counts_the_classes_of_the_line() -> None:
    # The line (0,0,0), (1,0,0), (2,0,0), (2,1,0), ... meets 7 classes, all new.
    both = explore(without_progress(SymmetricCounters(3, 2)), por=True, symmetry=True)
    assert both.stats.states == 7 and both.verdict is Verdict.VERIFIED
    assert both.reductions == ("symmetry", PARTIAL_ORDER)
    assert (
        explore(without_progress(SymmetricCounters(3, 2)), symmetry=True).stats.states == 10
    )  # multisets
