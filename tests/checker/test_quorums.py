"""The z3 quorum proofs: what must hold is proven, and every counterexample
z3 returns is re-checked here with plain set arithmetic, independent of z3."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.quorums import (
    DEFAULT,
    HALF,
    MAJORITY,
    OBLIGATIONS,
    Counterexample,
    InvalidQuorumConfig,
    QuorumConfig,
    ServerSet,
    Status,
    check_quorums,
    check_row,
    fixed_rule,
    flexible_rule,
)
from checker.quorums.runs import history_classes, runs
from checker.quorums.solver import availability, chain, change, intersection, largest_tolerated_f
from checker.quorums.solver import symbolic_facts as prove_symbolic_facts

# --- the independent checks: sizes computed here, sets compared as Python sets

Size = Callable[[int], int]


def majority(n: int) -> int:
    return n // 2 + 1


def half(n: int) -> int:
    return n // 2


def first_servers(n: int) -> set[str]:
    return {f"s{i}" for i in range(1, n + 1)}


def members(s: ServerSet) -> set[str]:
    return set(s.members)


def assert_disjoint_quorums(cx: Counterexample, n: int, read: int, write: int) -> None:
    """The two sets are quorums of the stated sizes among n servers and miss each other."""
    servers = members(cx.find("servers", 0))
    w, r = members(cx.find("write quorum", 0)), members(cx.find("read quorum", 0))
    assert servers == first_servers(n)
    assert w <= servers and len(w) == write
    assert r <= servers and len(r) == read
    assert not w & r


def replay_chain(cx: Counterexample, read: Size, write: Size, transfer: bool) -> set[str]:
    """Check a reconfiguration counterexample step by step and return the
    servers holding the write at the end, computed here, not by z3.

    `read` and `write` give the quorum sizes at n, computed here.
    """
    k = cx.epochs
    configs = [members(cx.find("servers", e)) for e in range(k + 1)]
    n = len(configs[0])
    assert configs[0] == first_servers(n)
    for before, after in itertools.pairwise(configs):
        assert len(before ^ after) == 1, "a change adds or removes exactly one server"
        assert after, "a configuration is never empty"
    holders = members(cx.find("write quorum", 0))
    assert holders <= configs[0] and len(holders) == write(n)
    for i in range(k):
        kept = holders & configs[i + 1]  # a leaver's store is emptied
        if transfer:
            sync_read = members(cx.find("transfer-read quorum", i))
            sync_write = members(cx.find("transfer-write quorum", i + 1))
            assert sync_read <= configs[i] and len(sync_read) == read(len(configs[i]))
            assert sync_write <= configs[i + 1]
            assert len(sync_write) == write(len(configs[i + 1]))
            holders = kept | sync_write if sync_read & holders else kept
        else:
            holders = kept  # joiners start from the initial store
    r = members(cx.find("read quorum", k))
    assert r <= configs[k] and len(r) == read(len(configs[k]))
    assert holders == members(cx.find("holders", k)), "z3's holders agree with the replay"
    assert not r & holders, "the read quorum really misses every holder"
    return holders


# --- what must hold


@pytest.mark.parametrize("n", range(3, 8))
def test_every_default_obligation_is_proven_for_3_to_7_servers(n: int) -> None:
    row = check_row(n, DEFAULT)
    assert [o.obligation for o in row.outcomes] == list(OBLIGATIONS)
    assert all(o.status is Status.PROVEN for o in row.outcomes), row
    assert (row.read_size, row.write_size, row.max_f) == (majority(n), majority(n), (n - 1) // 2)


def test_the_default_report_exits_0_with_every_symbolic_fact_proven() -> None:
    report = check_quorums(DEFAULT)
    assert [r.n for r in report.rows] == [3, 4, 5, 6, 7]
    assert report.symbolic and all(f.status is Status.PROVEN for f in report.symbolic)
    assert report.exit_code == 0


def test_symbolic_facts_hold_for_the_majority_rule() -> None:
    facts = {f.name: f for f in prove_symbolic_facts(MAJORITY)}
    assert set(facts) == {
        "QuorumsIntersect",
        "QuorumFits",
        "CorrectQuorumExists",
        "FaultsAreMinority",
        "JoinQuorumsMeet",
        "LeaveQuorumsMeet",
    }
    assert all(f.status is Status.PROVEN for f in facts.values())
    # The same facts, spot-checked in Python far beyond the finite proofs.
    for n in range(1, 2000):
        q, f = majority(n), (n - 1) // 2
        assert 2 * q > n and q <= n and n - f >= q and 2 * f < n
        assert q + majority(n + 1) > n + 1
        assert n < 2 or (q - 1) + majority(n - 1) > n - 1


def test_symbolic_facts_of_half_quorums_are_refuted_at_an_n_where_they_fail() -> None:
    facts = {f.name: f for f in prove_symbolic_facts(HALF)}
    intersect = facts["QuorumsIntersect"]
    assert intersect.status is Status.REFUTED
    n = intersect.counterexample_n
    assert n is not None and n >= 1 and not 2 * half(n) > n
    join = facts["JoinQuorumsMeet"]
    assert join.status is Status.REFUTED and join.counterexample_n is not None
    assert (
        not half(join.counterexample_n) + half(join.counterexample_n + 1)
        > join.counterexample_n + 1
    )


@pytest.mark.parametrize("n", range(1, 10))
def test_majority_quorums_tolerate_exactly_maxf_faults(n: int) -> None:
    assert largest_tolerated_f(n, MAJORITY) == (n - 1) // 2


@pytest.mark.parametrize(("n", "r", "w"), [(5, 2, 4), (6, 3, 4), (4, 5, 1), (7, 1, 7)])
def test_flexible_quorums_tolerate_what_counting_says(n: int, r: int, w: int) -> None:
    expected = n - max(r, w) if max(r, w) <= n else None
    assert largest_tolerated_f(n, flexible_rule(r, w)) == expected


def test_a_leave_from_a_single_server_is_not_applicable_rather_than_proven() -> None:
    assert change(1, MAJORITY, "leave").status is Status.NOT_APPLICABLE
    assert change(1, MAJORITY, "join").status is Status.PROVEN


# --- what must fail, with counterexamples checked by set arithmetic


@pytest.mark.parametrize("n", range(2, 9))
def test_half_quorums_yield_two_disjoint_quorums(n: int) -> None:
    outcome = intersection(n, HALF)
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    assert_disjoint_quorums(outcome.counterexample, n, half(n), half(n))


@pytest.mark.parametrize(("n", "size"), [(4, 2), (5, 2), (7, 3), (6, 1)])
def test_a_fixed_quorum_of_at_most_half_yields_two_disjoint_quorums(n: int, size: int) -> None:
    outcome = intersection(n, fixed_rule(size))
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    assert_disjoint_quorums(outcome.counterexample, n, size, size)


@pytest.mark.parametrize("n", range(3, 8))
def test_without_state_transfer_successive_changes_lose_the_write(n: int) -> None:
    outcome = chain(n, MAJORITY, 3, transfer=False)
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    cx = outcome.counterexample
    assert cx.epochs >= 2, "one change alone is safe; it takes two or more"
    replay_chain(cx, majority, majority, transfer=False)


@pytest.mark.parametrize("n", range(3, 8))
def test_without_state_transfer_a_single_change_is_still_safe(n: int) -> None:
    assert change(n, MAJORITY, "join", transfer=False).status is Status.PROVEN
    assert change(n, MAJORITY, "leave", transfer=False).status is Status.PROVEN


def test_odd_sizes_lose_the_write_in_two_changes_without_transfer() -> None:
    # PROTOCOL.md section 6: no-state-transfer needs two changes.
    cx = chain(3, MAJORITY, 2, transfer=False).counterexample
    assert cx is not None and cx.epochs == 2
    assert replay_chain(cx, majority, majority, transfer=False) <= first_servers(3)


@pytest.mark.parametrize("obligation", ["join", "leave", "chain"])
@pytest.mark.parametrize("n", range(3, 8))
def test_half_quorums_lose_the_write_across_a_change_even_with_transfer(
    obligation: str, n: int
) -> None:
    outcome = chain(n, HALF, 3) if obligation == "chain" else change(n, HALF, obligation)
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    replay_chain(outcome.counterexample, half, half, transfer=True)


@pytest.mark.parametrize(("n", "size", "f"), [(5, 4, 2), (3, 3, 1), (7, 5, 3)])
def test_availability_fails_when_the_correct_servers_are_fewer_than_a_quorum(
    n: int, size: int, f: int
) -> None:
    outcome = availability(n, fixed_rule(size), f)
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    faulty = members(outcome.counterexample.find("faulty", 0))
    servers = members(outcome.counterexample.find("servers", 0))
    assert servers == first_servers(n) and faulty <= servers and len(faulty) == f
    assert len(servers - faulty) < size


def test_flexible_quorums_with_r_plus_w_at_most_n_are_refuted_with_sets() -> None:
    outcome = intersection(6, flexible_rule(2, 4))
    assert outcome.status is Status.REFUTED and outcome.counterexample is not None
    assert_disjoint_quorums(outcome.counterexample, 6, read=2, write=4)


def test_the_independent_checks_reject_sets_that_do_intersect() -> None:
    # Guards the guard: a bogus counterexample must not pass replay.
    bogus = Counterexample(
        "made up",
        (
            ServerSet("servers", 0, ("s1", "s2", "s3"), 3),
            ServerSet("write quorum", 0, ("s1", "s2"), 2),
            ServerSet("read quorum", 0, ("s2", "s3"), 2),
        ),
    )
    with pytest.raises(AssertionError):
        assert_disjoint_quorums(bogus, 3, 2, 2)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 9), size=st.integers(1, 10), f=st.integers(0, 9))
def test_z3_agrees_with_counting_on_fixed_quorums(n: int, size: int, f: int) -> None:
    rule = fixed_rule(size)
    disjoint_exist = 2 * size <= n
    assert (intersection(n, rule).status is Status.REFUTED) == disjoint_exist
    if f <= n:
        assert (availability(n, rule, f).status is Status.PROVEN) == (n - f >= size)


# --- the runs behind the chain obligation


def test_runs_cover_each_change_up_to_renaming() -> None:
    assert [sorted(map(sorted, r)) for r in runs(3, ("join",))] == [[[1, 2, 3], [1, 2, 3, 4]]]
    # After a join, the joiner or an original server may leave: two classes.
    assert len(list(runs(3, ("join", "leave")))) == 2
    assert list(runs(1, ("leave",))) == []


def test_history_classes_group_servers_with_the_same_epochs() -> None:
    run = (frozenset({1, 2, 3}), frozenset({1, 2, 3, 4}), frozenset({2, 3, 4}))
    assert sorted(history_classes(run)) == [[1], [2, 3], [4]]


# --- configuration errors name the field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_n": 0}, "min_n"),
        ({"min_n": 5, "max_n": 4}, "max_n"),
        ({"chain": 0}, "chain"),
        ({"faulty": 4, "min_n": 3}, "faulty"),
    ],
)
def test_a_config_out_of_range_names_its_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidQuorumConfig) as error:
        QuorumConfig(**kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


def test_a_quorum_size_below_one_is_refused() -> None:
    with pytest.raises(InvalidQuorumConfig):
        fixed_rule(0)
    with pytest.raises(InvalidQuorumConfig):
        flexible_rule(2, 0)
