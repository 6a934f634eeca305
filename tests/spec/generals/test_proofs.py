"""The z3 prover of OM(m): its table is the n > 3m boundary, its sat answers
replay on the explicit model, and its unsat answers agree with brute force
over every traitor behaviour where that is small enough to enumerate."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations, product

import pytest

from checker.explore import explore
from checker.result import Verdict
from spec.generals.model import OralModel
from spec.generals.oral import ATTACK, RETREAT, message_paths, om_decision
from spec.generals.params import GeneralsParams
from spec.generals.proofs import PROVEN, REFUTED, prove
from spec.generals.witness import replay_witness
from tests.safety_models import without_progress

CELLS = [(n, m) for m in (1, 2) for n in range(3, 8)]


@pytest.mark.parametrize(("n", "m"), CELLS)
def test_om_is_proven_exactly_where_n_exceeds_3m(n: int, m: int) -> None:
    assert prove(n, m).status == (PROVEN if n > 3 * m else REFUTED)


@pytest.mark.parametrize(("n", "m"), [c for c in CELLS if c[0] <= 3 * c[1]] + [(8, 3), (9, 3)])
def test_a_refutation_replays_on_the_explicit_model(n: int, m: int) -> None:
    cell = prove(n, m)
    assert cell.witness is not None
    replayed = replay_witness(cell.witness)
    assert replayed.violated == cell.witness.property
    for g, decision in cell.witness.decisions.items():
        assert replayed.decisions[g] == decision


def test_a_witness_with_the_traitors_telling_the_truth_replays_as_no_violation() -> None:
    # The replay can fail: the same traitors relaying honestly break nothing.
    cell = prove(4, 2)
    assert cell.witness is not None and cell.witness.order is not None
    honest = {p: cell.witness.order for p in cell.witness.sent}
    replayed = replay_witness(replace(cell.witness, sent=honest))
    assert replayed.violated is None


def _brute_force_breaks(n: int, m: int) -> bool:
    """Every set of at most m traitors, every order, every traitor message."""
    paths = message_paths(n, m)
    for t in range(1, m + 1):
        for traitors in combinations(range(n), t):
            lying = [p for p in paths if p[-2] in traitors]
            loyal = [g for g in range(1, n) if g not in traitors]
            for order in (RETREAT, ATTACK):
                for bits in product((RETREAT, ATTACK), repeat=len(lying)):
                    told = dict(zip(lying, bits, strict=True))
                    received: dict[tuple[int, ...], int] = {}
                    for p in paths:
                        before = received.get(p[:-1], order) if len(p) > 2 else order
                        received[p] = told.get(p, before)
                    decided = {om_decision(g, received, n, m) for g in loyal}
                    if len(decided) > 1 or (0 not in traitors and decided - {order}):
                        return True
    return False


@pytest.mark.parametrize(("n", "m"), [(3, 1), (4, 1), (5, 1), (6, 1), (3, 2), (4, 2)])
def test_z3_agrees_with_brute_force_over_every_traitor_behaviour(n: int, m: int) -> None:
    assert (prove(n, m).status == REFUTED) == _brute_force_breaks(n, m)


def test_the_prover_and_the_exhaustive_model_agree_on_g4_and_g3() -> None:
    assert explore(without_progress(OralModel(GeneralsParams()))).verdict is Verdict.VERIFIED
    assert prove(4, 1).status == PROVEN
    assert (
        explore(without_progress(OralModel(GeneralsParams(generals=3)))).verdict is Verdict.VIOLATED
    )
    assert prove(3, 1).status == REFUTED


@pytest.mark.slow
def test_om4_is_refuted_at_12_generals_and_proven_at_13() -> None:
    assert prove(12, 4).status == REFUTED
    assert prove(13, 4).status == PROVEN
