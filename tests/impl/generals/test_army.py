"""The threaded generals: OM(m) outcomes, seeded faults, and their traces
replayed on the explicit model (spec/generals/conformance.py)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest

from impl.generals.army import Army, RunResult, tolerated
from impl.generals.errors import BadCommand
from impl.generals.oral import ATTACK, RETREAT, decide, expected_messages
from spec.generals.conformance import check_runs


@pytest.fixture
def army() -> Iterator[Army]:
    a = Army(4, seed=3)
    yield a
    a.stop()


def _parsed(run: RunResult) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.trace]


def test_a_lieutenant_expects_one_message_per_relaying_sequence() -> None:
    assert expected_messages(4, 1) == 1 + 2
    assert expected_messages(7, 2) == 1 + 5 + 5 * 4
    assert expected_messages(3, 4) == 1 + 1  # no third lieutenant to relay through
    assert expected_messages(2, 1) == 1


def test_decide_takes_the_majority_and_a_tie_is_retreat() -> None:
    received = {(2, 1): ATTACK, (2, 3, 1): RETREAT, (2, 4, 1): ATTACK}
    assert decide(1, 2, (1, 2, 3, 4), received, 1) == ATTACK
    assert decide(1, 2, (1, 2, 3), {(2, 1): ATTACK, (2, 3, 1): RETREAT}, 1) == RETREAT


@pytest.mark.parametrize("order", [ATTACK, RETREAT])
def test_loyal_generals_all_decide_the_primarys_order(army: Army, order: str) -> None:
    run = army.order(order)
    assert run.missing == ()
    assert run.decisions == {g: order for g in (1, 2, 3, 4)}
    assert sum(e.get("event") == "sent" for e in _parsed(run)) == 3 + 3 * 2


def test_the_same_seed_gives_the_same_messages_and_decisions() -> None:
    def one() -> tuple[list[str], dict[int, str]]:
        a = Army(7, seed=11)
        try:
            a.set_faulty(a.primary, True)
            a.set_faulty(5 if a.primary != 5 else 6, True)
            run = a.order(ATTACK)
        finally:
            a.stop()
        sent = sorted(json.dumps({k: v for k, v in e.items() if k != "seq"}) for e in _parsed(run))
        return sent, run.decisions

    assert one() == one()


def test_killing_the_primary_elects_another_and_orders_still_run(army: Army) -> None:
    old = army.primary
    elected = army.kill(old)
    assert elected is not None and elected != old and army.primary == elected
    assert old not in army.generals
    run = army.order(RETREAT)
    assert run.primary == elected and set(run.decisions) == set(army.generals)


def test_refusals_change_nothing(army: Army) -> None:
    before = (sorted(army.generals), army.primary, army.faulty())
    for bad in (
        lambda: army.add(0),
        lambda: army.add(7),
        lambda: army.general("g9"),
        lambda: army.general("x"),
        lambda: army.order("charge"),
    ):
        with pytest.raises(BadCommand):
            bad()
    assert (sorted(army.generals), army.primary, army.faulty()) == before


def test_the_last_general_cannot_be_killed() -> None:
    a = Army(1)
    try:
        with pytest.raises(BadCommand, match="last general"):
            a.kill(1)
    finally:
        a.stop()


def test_many_seeded_runs_conform_to_the_model_and_hold_when_n_exceeds_3f() -> None:
    checked = 0
    for seed in range(24):
        rng = random.Random(seed)
        n = rng.randint(3, 7)
        a = Army(n, seed=seed)
        try:
            for g in rng.sample(sorted(a.generals), rng.randint(0, n - 1)):
                a.set_faulty(g, True)
            run = a.order(rng.choice([ATTACK, RETREAT]))
        finally:
            a.stop()
        (report,) = check_runs(_parsed(run))
        assert report.conforms, report.problems
        if len(run.faulty) <= tolerated(n):
            assert run.loyal_agree() and report.verdict == "IC1 and IC2 hold"
        checked += report.steps
    assert checked > 200


def _tampered(run: RunResult, event: str, field: str = "value") -> list[dict[str, object]]:
    lines = _parsed(run)
    for e in lines[1:]:
        if e["event"] == event and (event == "decided" or len(e["path"]) == 3):  # type: ignore[arg-type]
            e[field] = RETREAT if e[field] == ATTACK else ATTACK
            break
    return lines


def test_a_flipped_loyal_relay_or_a_wrong_decision_does_not_conform(army: Army) -> None:
    run = army.order(ATTACK)
    assert check_runs(_parsed(run))[0].conforms
    (relay,) = check_runs(_tampered(run, "sent"))
    assert any("a loyal general relays exactly what it received" in p for p in relay.problems)
    lines = _parsed(run)
    lieutenant = next(
        e for e in lines[1:] if e["event"] == "decided" and e["general"] != f"g{run.primary}"
    )
    lieutenant["value"] = RETREAT
    (decision,) = check_runs(lines)
    assert any("on the messages it received gives attack" in p for p in decision.problems)


def test_a_lone_general_conforms_trivially_and_a_primary_must_obey_itself() -> None:
    a = Army(2, seed=4)
    try:
        a.kill(1 if a.primary == 2 else 2)
        (alone,) = check_runs(_parsed(a.order(ATTACK)))
        assert alone.conforms and alone.steps == 0
        a.add(2)
        lines = _parsed(a.order(ATTACK))
    finally:
        a.stop()
    primary = lines[0]["primary"]
    own = next(e for e in lines[1:] if e["event"] == "decided" and e["general"] == primary)
    own["value"] = RETREAT
    (report,) = check_runs(lines)
    assert any("not its own order attack" in p for p in report.problems)
