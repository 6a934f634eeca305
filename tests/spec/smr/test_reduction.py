"""Partial-order reduction on SMR: the same verdicts with and without it on
every standard configuration and mutant (counts pinned), and on seeded
random small configurations (sizes and mutant switches) the same broken and
met properties over the whole reduced reachable set as over the full one
(tests/checker/por_oracle.py)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from checker.explore import explore
from spec.smr import PROTOCOL
from spec.smr.model import SmrModel
from spec.smr.params import SmrParams
from tests.checker.por_oracle import assert_same_verdicts

# name: (full states, reduced states, reduced transitions, property, length)
# (the reduction never moves a violation here: the lengths are the same)
PINNED = {
    "SM1": (5_215, 2_629, 5_763, None, None),
    "SM2": (5_276, 4_836, 9_345, None, None),
    "SM3": (1_519, 630, 1_379, None, None),
    "apply-on-receipt": (60, 60, 87, "Agreement", 4),
    "no-tiebreak": (59, 59, 87, "Order", 4),
    "no-null-messages": (102, 91, 176, None, None),  # caught by Progress, not checked
    "clock-not-advanced": (436, 413, 727, "CausalOrder", 9),
    "apply-nulls": (479, 461, 967, "Validity", 7),
    "no-crash-detection": (5_102, 4_662, 9_171, None, None),  # Progress too
}


def _config(name: str) -> SmrParams:
    for mutant in PROTOCOL.mutants:
        if mutant.name == name:
            mutated: SmrParams = PROTOCOL.mutated(PROTOCOL.standard(mutant.config).config, mutant)
            return mutated
    standard: SmrParams = PROTOCOL.standard(name).config  # ProtocolSpec holds Any params
    return standard


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_standard_configuration_and_mutant_keeps_its_safety_verdict(name: str) -> None:
    states, reduced_states, reduced_transitions, prop, length = PINNED[name]
    model = SmrModel(_config(name))
    full, reduced = explore(model, liveness=False), explore(model, por=True)
    assert full.verdict is reduced.verdict
    assert full.stats.states == states
    assert (reduced.stats.states, reduced.stats.transitions) == (
        reduced_states,
        reduced_transitions,
    )
    for result in (full, reduced):
        cex = result.counterexample
        assert (cex.property_name, cex.length) == (prop, length) if cex else prop is None
    assert "Progress" not in reduced.checked


SWITCHES = (
    "stability",
    "tiebreak",
    "null_messages",
    "advance_clock",
    "skip_nulls",
    "detect_crashes",
)
# (replicas, clients, requests, client crashes, replica crashes: None is t-1)
SIZES = (
    (1, 2, 1, 1, None),
    (1, 2, 2, 0, None),
    (2, 1, 2, 0, None),
    (2, 1, 1, 1, None),
    (2, 2, 1, 0, None),
    (3, 1, 2, 0, None),
    (2, 2, 1, 0, 0),
    (2, 1, 2, 1, 0),
)
SMALL = [
    SmrParams(
        replicas=t,
        clients=k,
        requests=n,
        client_crashes=cc,
        replica_crashes=rc,
        **dict(zip(SWITCHES, flags, strict=True)),
    )
    for (t, k, n, cc, rc), flags in itertools.product(
        SIZES, itertools.product((True, False), repeat=len(SWITCHES))
    )
]


def _view(s: Any) -> Any:
    """What the properties read: the replicas' logs and the ghost requests."""
    return tuple(r.log for r in s.replicas), s.requests


def _same_verdicts(params: SmrParams) -> None:
    assert_same_verdicts(SmrModel(params), _view, params)


@pytest.mark.parametrize("seed", range(6))
def test_random_small_configurations_break_and_meet_the_same_properties(seed: int) -> None:
    _same_verdicts(random.Random(seed).choice(SMALL))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100))
def test_more_random_small_configurations_break_and_meet_the_same_properties(seed: int) -> None:
    _same_verdicts(random.Random(1000 + seed).choice(SMALL))
