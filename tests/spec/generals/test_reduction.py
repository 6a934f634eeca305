"""Partial-order reduction on the generals: counts by hand on the smallest
configuration, the same verdicts with and without it on every standard
configuration and mutant (counts pinned), and on seeded random small
configurations the same broken and met properties over the whole reduced
reachable set as over the full one (tests/checker/por_oracle.py)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from checker.explore import explore
from checker.replay import replay
from checker.result import Verdict
from spec.generals import PROTOCOL
from spec.generals.model import build_model
from spec.generals.params import GeneralsParams
from tests.checker.por_oracle import assert_same_verdicts
from tests.replaying import action_indexes


def test_om0_with_three_loyal_generals_sends_in_one_order_then_decides_in_both() -> None:
    # Per order: the two sends in one order (3 states), then the two decisions,
    # visible, in both orders (3 more): 6 states, 2 + 4 transitions.
    model = build_model(GeneralsParams(generals=3, rounds=0, max_traitors=0))
    full, reduced = explore(model), explore(model, por=True)
    assert (full.stats.states, full.stats.transitions) == (18, 24)
    assert (reduced.stats.states, reduced.stats.transitions) == (12, 12)
    assert reduced.verdict is Verdict.VERIFIED


# name: (full states, reduced states, reduced transitions, property, full length, reduced length)
PINNED = {
    "G4": (3_761, 345, 410, None, None, None),
    "G3": (101, 66, 59, "IC2", 4, 5),
    "G4m2": (21_575, 686, 677, "IC2", 10, 16),
    "SM3": (137, 112, 145, None, None, None),
    "SM4": (31_925, 3_663, 5_262, None, None, None),
    "SM4m1": (2_533, 1_057, 1_638, "IC1", 6, 6),
    "no-relay": (201, 100, 100, "IC1", 4, 5),
    "first-value": (2_525, 1_637, 2_040, "IC2", 6, 10),
    "short": (2_533, 1_057, 1_638, "IC1", 6, 6),
}


def _config(name: str) -> GeneralsParams:
    for mutant in PROTOCOL.mutants:
        if mutant.name == name:
            mutated: GeneralsParams = PROTOCOL.mutated(
                PROTOCOL.standard(mutant.config).config, mutant
            )
            return mutated
    standard: GeneralsParams = PROTOCOL.standard(name).config  # ProtocolSpec holds Any params
    return standard


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_standard_configuration_and_mutant_keeps_its_verdict_under_por(name: str) -> None:
    states, reduced_states, reduced_transitions, prop, length, reduced_length = PINNED[name]
    model = build_model(_config(name))
    full, reduced = explore(model), explore(model, por=True)
    assert full.verdict is reduced.verdict
    assert reduced.verdict is (Verdict.VERIFIED if prop is None else Verdict.VIOLATED)
    assert full.stats.states == states
    assert (reduced.stats.states, reduced.stats.transitions) == (
        reduced_states,
        reduced_transitions,
    )
    for result, expected in ((full, length), (reduced, reduced_length)):
        cex = result.counterexample
        assert (cex.property_name, cex.length) == (prop, expected) if cex else prop is None


SMALL = [
    GeneralsParams(
        generals=n,
        rounds=m,
        max_traitors=t,
        algorithm=alg,
        relay=relay,
        decide_rule=rule,
        skip_rounds=skip,
    )
    for n, m, t, alg, relay, rule, skip in itertools.product(
        (3, 4), (0, 1, 2), (0, 1, 2), ("om", "sm"), (True, False), ("majority", "first"), (0, 1)
    )
    if skip <= m and not (alg == "sm" and rule == "first") and not (n == 4 and m == 2 and t == 2)
]


def _view(s: Any) -> Any:
    """What IC1, IC2 and DecisionReached read."""
    return s.traitors, s.order, s.decisions


def _same_verdicts(params: GeneralsParams) -> None:
    assert_same_verdicts(build_model(params), _view, params)


@pytest.mark.parametrize("seed", range(6))
def test_random_small_configurations_break_and_meet_the_same_properties(seed: int) -> None:
    _same_verdicts(random.Random(seed).choice([p for p in SMALL if p.generals == 3]))


@pytest.mark.slow
@pytest.mark.parametrize("params", SMALL, ids=str)
def test_every_small_configuration_breaks_and_meets_the_same_properties(
    params: GeneralsParams,
) -> None:
    _same_verdicts(params)


def test_a_counterexample_under_por_replays_on_the_model_as_written() -> None:
    # The engine records each step's index among *all* enabled actions, so
    # the path replays without the reduction (as --trace-out writes it).
    model = build_model(_config("G4m2"))
    cex = explore(model, por=True).counterexample
    assert cex is not None and cex.length == 16
    initial = list(model.initial_states()).index(cex.steps[0].state)
    steps = replay(model, action_indexes(cex.steps), initial)
    assert steps[-1].state == cex.steps[-1].state
    assert model.invariants[1].check(steps[-1].state) is not None  # IC2 breaks there
