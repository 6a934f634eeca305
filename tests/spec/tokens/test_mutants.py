"""Each mutant of the catalog is caught by its property, with a shortest
counterexample of pinned length that replays step by step to the violation,
and the same path is no violation on the correct protocol.

The two mutants that need two role changes explore hundreds of thousands of
states on R2: they run with `pytest -m slow`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from checker.errors import ReplayError
from checker.replay import replay
from checker.result import Verdict
from spec.tokens.model import TokenModel
from spec.tokens.mutants import CATALOG, MUTANTS
from tests.replaying import action_indexes
from tests.spec.tokens.helpers import (
    can_complete,
    failures,
    mutant_config,
    mutant_run,
    property_kind,
)

# mutant -> (the property that catches it, shortest counterexample length).
PINNED: dict[str, tuple[str, int]] = {
    "small-quorum": ("ReadNotStale", 8),
    "no-owner-check": ("NoDoubleSpend", 10),
    "overwrite": ("StoreMonotone", 12),
    "wait-all": ("Progress", 1),
    "no-write-back": ("ReadNotStale", 16),
    "sync-replace": ("StoreMonotone", 7),
    "delta-transfer": ("Conservation", 1),
    "first-reply": ("ReadNotStale", 14),
    "no-state-transfer": ("ReadNotStale", 16),
    "no-epoch-check": ("ReadNotStale", 16),
}
SLOW = {"no-state-transfer", "no-epoch-check"}

MUTANT_NAMES = [
    pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in PINNED
]


def test_every_catalog_mutant_has_a_pinned_figure() -> None:
    assert set(PINNED) == {m.name for m in CATALOG}


@pytest.mark.parametrize("name", MUTANT_NAMES)
def test_mutant_is_caught_by_its_catalog_property_with_its_shortest_length(name: str) -> None:
    _, result = mutant_run(name)
    assert result.verdict is Verdict.VIOLATED
    ce = result.counterexample
    assert ce is not None
    assert ce.property_name in MUTANTS[name].caught_by
    assert (ce.property_name, ce.length) == PINNED[name]


@pytest.mark.parametrize("name", MUTANT_NAMES)
def test_mutant_counterexample_replays_step_by_step_on_a_fresh_mutant_model(name: str) -> None:
    _, result = mutant_run(name)
    ce = result.counterexample
    assert ce is not None
    indexes = action_indexes(ce.steps)
    steps = replay(TokenModel(mutant_config(name)), indexes)
    assert len(steps) == len(ce.steps)
    for number, (replayed, recorded) in enumerate(zip(steps, ce.steps, strict=True)):
        assert replayed.action == recorded.action, f"step {number}"
        assert replayed.state == recorded.state, f"step {number}"


@pytest.mark.parametrize("name", MUTANT_NAMES)
def test_mutant_violated_property_fails_at_the_last_step_and_nowhere_before(name: str) -> None:
    _, result = mutant_run(name)
    ce = result.counterexample
    assert ce is not None
    model = TokenModel(mutant_config(name))
    steps = replay(model, action_indexes(ce.steps))
    if property_kind(model, ce.property_name) == "progress":
        # A stuck state: no fair path from it completes what is pending,
        # while every earlier state can still complete.
        assert ce.loop_start is None
        assert not can_complete(model, steps[-1].state)
        assert all(can_complete(model, step.state) for step in steps[:-1])
    else:
        assert failures(model, steps, ce.property_name) == [len(steps) - 1]


@pytest.mark.parametrize("name", MUTANT_NAMES)
def test_mutant_counterexample_path_is_no_violation_on_the_correct_model(name: str) -> None:
    _, result = mutant_run(name)
    ce = result.counterexample
    assert ce is not None
    correct = TokenModel(replace(mutant_config(name), mutant=None))
    try:
        steps = replay(correct, action_indexes(ce.steps))
    except ReplayError:
        return  # the mutant enables actions the correct protocol does not
    if property_kind(correct, ce.property_name) == "progress":
        assert all(can_complete(correct, step.state) for step in steps)
    else:
        assert failures(correct, steps, ce.property_name) == []
