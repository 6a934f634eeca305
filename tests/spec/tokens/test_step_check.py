"""The token model's `check_step` (all step properties in one call) gives
exactly what checking them one by one gives: on every transition of a
breadth-first prefix, for the protocol and for the mutants that break step
properties, and through the engine (same verdict, counterexample, counts)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from checker.explore import explore
from checker.model import has_step_check
from spec.tokens.model import TokenModel
from spec.tokens.mutants import MUTANTS as CATALOG
from spec.tokens.standard import STANDARD_CONFIGS
from spec.tokens.state import Server, State
from tests.spec.tokens.helpers import mutant_config
from tests.step_checks import breadth_first_transitions, one_by_one

# Mutants caught by a step property -> transitions to compare (S1's whole
# graph has 92,403; sync-replace's S3a breaks StoreMonotone early).
MUTANTS = {
    "overwrite": 100_000,
    "sync-replace": 20_000,
    "small-quorum": 20_000,
    "first-reply": 100_000,
}


@pytest.mark.parametrize("mutant", (None, *MUTANTS))
def test_check_step_equals_the_properties_one_by_one_on_every_transition(
    mutant: str | None,
) -> None:
    config = STANDARD_CONFIGS["S3a"].config if mutant is None else mutant_config(mutant)
    model = TokenModel(config)
    assert has_step_check(model)
    violated = 0
    for s, a, after in breadth_first_transitions(model, MUTANTS.get(mutant or "", 20_000)):
        expected = one_by_one(model, s, a, after)
        assert model.check_step(s, a, after) == expected
        violated += expected is not None
    # The mutants break a step property within the prefix: the comparison saw violations.
    assert (violated > 0) == (mutant is not None)


def random_transitions(
    model: TokenModel, seed: int, walks: int, depth: int
) -> list[tuple[Any, Any, Any]]:
    """Every transition out of every state of seeded random walks: the walks
    go on past violations, so deep steps (role changes, restarts, installs)
    are compared too, not only a breadth-first prefix."""
    rng = random.Random(seed)
    found: list[tuple[Any, Any, Any]] = []
    for _ in range(walks):
        s = model.initial_states()[0]
        for _ in range(depth):
            actions = model.actions(s)
            if not actions:
                break
            successors = [model.next_state(s, a) for a in actions]
            found += [(s, a, after) for a, after in zip(actions, successors, strict=True)]
            s = rng.choice(successors)
    return found


@pytest.mark.parametrize(
    "name", (*(f"mutant:{m}" for m in sorted(CATALOG)), "S1", "S3a", "S3m", "R2")
)
def test_check_step_equals_the_properties_one_by_one_on_random_walks(name: str) -> None:
    """The dispatch (which node a step changes, which step completes a READ
    phase) agrees with the properties as written on every mutant of the
    catalog and on the standard configurations' deep states."""
    mutant = name.removeprefix("mutant:")
    config = mutant_config(mutant) if mutant != name else STANDARD_CONFIGS[name].config
    model = TokenModel(config)
    seen = {"StoreMonotone": 0, "ReadNotStale": 0, "AnswerIsFresh": 0, None: 0}
    steps = random_transitions(model, seed=14, walks=200, depth=60)
    for s, a, after in steps:
        expected = one_by_one(model, s, a, after)
        assert model.check_step(s, a, after) == expected, (model.describe_action(a), expected)
        seen[expected and expected[0]] += 1
    assert seen[None] > 10_000
    # These seeded walks reach a violation on three mutants (so the fast
    # path's reports were compared too), and none on the protocol.
    broken = {"mutant:overwrite": "StoreMonotone", "mutant:sync-replace": "StoreMonotone"}
    broken["mutant:small-quorum"] = "ReadNotStale"
    assert {p for p, n in seen.items() if p is not None and n} == (
        {broken[name]} if name in broken else set()
    )


def _token_version_at_s2(state: State) -> int:
    node = state.nodes[1]
    if type(node) is not Server or node.store is None or node.store[0] is None:
        return 0
    return node.store[0][0]


def test_a_store_going_back_off_the_receiver_is_caught_as_a_mutated_step_would_make_it() -> None:
    """check_step assumes nothing about which node a step changes: a
    delivery to one server that lowers another server's store (what a step
    mutated by `check mutate` might do) breaks StoreMonotone."""
    model = TokenModel(STANDARD_CONFIGS["S1"].config)
    after = next(
        t for _, _, t in breadth_first_transitions(model, 20_000) if _token_version_at_s2(t) > 1
    )
    other = next(b for b in model.actions(after) if getattr(b, "message", (0, 0, 0))[2] != 1)
    s2 = after.nodes[1]
    assert type(s2) is Server and s2.store is not None and s2.store[0] is not None
    lowered = s2._replace(store=((1, s2.store[0][1]),))
    bad = after._replace(nodes=(*after.nodes[:1], lowered, *after.nodes[2:]))
    expected = one_by_one(model, after, other, bad)
    assert expected is not None and expected[0] == "StoreMonotone"
    assert model.check_step(after, other, bad) == expected


class WithoutStepCheck:
    """The model, minus `check_step`: the engine checks properties one by one."""

    def __init__(self, model: TokenModel) -> None:
        self._model = model
        self.invariants = model.invariants
        self.step_properties = model.step_properties
        self.sometimes = model.sometimes

    def __getattr__(self, name: str) -> Any:
        if name == "check_step":
            raise AttributeError(name)
        return getattr(self._model, name)


@pytest.mark.parametrize("mutant", ("overwrite", "sync-replace"))
def test_the_engine_finds_the_same_counterexample_with_and_without_check_step(
    mutant: str,
) -> None:
    model = TokenModel(mutant_config(mutant))
    fast = explore(model)
    slow = explore(WithoutStepCheck(model))
    assert not has_step_check(WithoutStepCheck(model))
    assert fast.counterexample is not None and slow.counterexample is not None
    assert fast.counterexample.property_name == slow.counterexample.property_name == "StoreMonotone"
    assert fast.counterexample.detail == slow.counterexample.detail
    assert [s.state for s in fast.counterexample.steps] == [
        s.state for s in slow.counterexample.steps
    ]
    assert (fast.stats.states, fast.stats.transitions) == (
        slow.stats.states,
        slow.stats.transitions,
    )
