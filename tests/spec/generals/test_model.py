"""The generals' models on configurations small enough to count by hand,
their properties on hand-made states, and their parameter errors.
(The standard configurations and mutants are pinned in
tests/checker/test_descriptors.py through the descriptor.)"""

from __future__ import annotations

from typing import Any

import pytest

from checker.errors import ParameterError
from checker.explore import explore
from checker.result import Verdict
from spec.generals.model import OralModel, build_model
from spec.generals.oral import ATTACK, RETREAT
from spec.generals.params import GeneralsParams
from spec.generals.properties import decision_reached, ic1_agreement, ic2_validity
from spec.generals.signed import SignedModel
from spec.generals.state import NONE, OralState
from tests.safety_models import without_progress


def test_om0_with_two_loyal_generals_has_six_states_by_hand() -> None:
    # Per order (2): nothing sent, sent, decided: 3 states and 2 transitions.
    result = explore(build_model(GeneralsParams(generals=2, rounds=0, max_traitors=0)))
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions) == (6, 4)


def test_om0_with_three_loyal_generals_interleaves_two_independent_lieutenants() -> None:
    # Per order: each lieutenant is unsent/sent/decided (3 x 3 states); each state
    # enables one step per undecided lieutenant: 2 * 9 * 2/3 = 12 transitions.
    result = explore(build_model(GeneralsParams(generals=3, rounds=0, max_traitors=0)))
    assert (result.stats.states, result.stats.transitions) == (18, 24)


def test_a_fixed_traitor_replaces_the_choice_of_traitors() -> None:
    model = OralModel(GeneralsParams(generals=3, traitors="g2"))
    assert {s.traitors for s in model.initial_states()} == {0b010}
    result = explore(without_progress(model))
    assert result.counterexample is not None
    assert (result.counterexample.property_name, result.counterexample.length) == ("IC2", 4)


def test_the_traitor_commander_has_one_initial_state_a_loyal_one_two() -> None:
    model = OralModel(GeneralsParams(generals=3, max_traitors=1))
    # no traitor: 2 orders; g1 traitor: 1; g2 or g3 traitor: 2 each.
    assert len(model.initial_states()) == 7


def _state(traitors: int, order: int, decisions: tuple[int, ...]) -> OralState:
    return OralState(traitors, order, (), (NONE,) * len(decisions), decisions)


def test_ic1_names_two_loyal_lieutenants_that_disagree_and_ignores_traitors() -> None:
    assert ic1_agreement(_state(0b0001, RETREAT, (NONE, ATTACK, RETREAT))) == (
        "g2 decided attack but g3 decided retreat"
    )
    assert ic1_agreement(_state(0b0100, RETREAT, (NONE, ATTACK, RETREAT))) is None
    assert ic1_agreement(_state(0, RETREAT, (NONE, ATTACK, NONE))) is None


def test_ic2_holds_vacuously_for_a_traitor_commander() -> None:
    assert ic2_validity(_state(0, ATTACK, (NONE, ATTACK, RETREAT))) == (
        "the loyal commander g1 ordered attack but g3 decided retreat"
    )
    assert ic2_validity(_state(0b001, ATTACK, (NONE, ATTACK, RETREAT))) is None


def test_decision_reached_needs_every_loyal_lieutenant_and_at_least_one() -> None:
    assert decision_reached(_state(0b100, RETREAT, (NONE, ATTACK, NONE)))
    assert not decision_reached(_state(0, RETREAT, (NONE, ATTACK, NONE)))
    assert not decision_reached(_state(0b110, RETREAT, (NONE, NONE, NONE)))


def test_sm_tolerates_the_traitor_that_breaks_om_with_three_generals() -> None:
    assert explore(
        without_progress(SignedModel(GeneralsParams(generals=3, algorithm="sm")))
    ).verdict is (Verdict.VERIFIED)


def test_short_on_om1_is_om0_and_a_traitor_commander_splits_the_lieutenants() -> None:
    result = explore(build_model(GeneralsParams(skip_rounds=1)))
    assert result.counterexample is not None
    assert (result.counterexample.property_name, result.counterexample.length) == ("IC1", 4)


def test_sm_without_relay_is_caught_by_ic1() -> None:
    result = explore(build_model(GeneralsParams(generals=3, algorithm="sm", relay=False)))
    assert result.counterexample is not None
    assert result.counterexample.property_name == "IC1"


@pytest.mark.parametrize(
    ("fields", "option"),
    [
        ({"traitors": "g9"}, "traitors"),
        ({"traitors": "x1,g2"}, "traitors"),
        ({"max_traitors": 5}, "max_traitors"),
        ({"skip_rounds": 2}, "skip_rounds"),
        ({"algorithm": "sm", "decide_rule": "first"}, "decide_rule"),
        ({"generals": 1}, "generals"),
    ],
)
def test_bad_parameters_name_the_option(fields: dict[str, object], option: str) -> None:
    with pytest.raises(ParameterError) as error:
        GeneralsParams(**fields).validated()  # type: ignore[arg-type]
    assert error.value.option == option


def test_sm0_with_two_loyal_generals_has_eight_states_by_hand() -> None:
    # Per order: start, signed order delivered, round ended, decided: 4 states, 3 steps.
    result = explore(
        build_model(GeneralsParams(generals=2, rounds=0, max_traitors=0, algorithm="sm"))
    )
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions) == (8, 6)


def test_an_sm_traitor_commander_with_nobody_loyal_to_split_changes_nothing() -> None:
    # n=2: the only lieutenant is loyal; whatever a traitor commander signs, IC1
    # cannot break and IC2 does not apply. It may sign both orders, one, or none.
    model = build_model(GeneralsParams(generals=2, rounds=0, traitors="g1", algorithm="sm"))
    result = explore(model)
    assert result.verdict is Verdict.VERIFIED
    finals = {s for s in _reachable(model) if s.decisions[1] != NONE}
    assert {s.decisions[1] for s in finals} == {ATTACK, RETREAT}


def _reachable(model: Any) -> set[Any]:
    seen = set(model.initial_states())
    todo = list(seen)
    while todo:
        s = todo.pop()
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen
