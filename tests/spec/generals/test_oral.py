"""OM(m)'s message paths and decision rule on cases worked out by hand."""

from __future__ import annotations

from spec.generals.oral import ATTACK, RETREAT, majority, message_paths, om_decision


def test_om_sends_n_minus_1_messages_per_round_times_the_relays() -> None:
    assert len(message_paths(4, 0)) == 3
    assert len(message_paths(4, 1)) == 3 + 3 * 2
    assert len(message_paths(4, 2)) == 3 + 3 * 2 + 3 * 2 * 1
    assert len(message_paths(7, 2)) == 6 + 6 * 5 + 6 * 5 * 4


def test_a_tie_or_nothing_is_retreat_and_a_strict_majority_wins() -> None:
    assert majority([ATTACK, RETREAT]) == RETREAT
    assert majority([]) == RETREAT
    assert majority([ATTACK, ATTACK, RETREAT]) == ATTACK


def test_om1_with_four_generals_outvotes_one_lying_relay() -> None:
    received = {(0, 1): ATTACK, (0, 2, 1): RETREAT, (0, 3, 1): ATTACK}
    assert om_decision(1, received, 4, 1) == ATTACK
    received[(0, 3, 1)] = RETREAT
    assert om_decision(1, received, 4, 1) == RETREAT


def test_om2_takes_the_majority_of_sub_runs_not_of_raw_messages() -> None:
    # g2's view in OM(2), n=4: direct attack; the sub-run of g3 (relays from g3
    # and from g4 about g3) says retreat; the sub-run of g4 says attack.
    received = {
        (0, 1): ATTACK,
        (0, 2, 1): RETREAT,
        (0, 2, 3, 1): RETREAT,
        (0, 3, 1): ATTACK,
        (0, 3, 2, 1): RETREAT,
    }
    # g3: majority(retreat, retreat) = retreat; g4: majority(attack, retreat) = tie
    assert om_decision(1, received, 4, 2) == RETREAT
    received[(0, 3, 2, 1)] = ATTACK  # g4's sub-run now attack: attack, retreat, attack
    assert om_decision(1, received, 4, 2) == ATTACK
