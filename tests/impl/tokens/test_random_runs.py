"""Conservation and agreement with the fault-free re-run over many random runs."""

from __future__ import annotations

import random

import pytest

from impl.tokens.audit import Completed, compare, conservation, rerun, versions_unique
from impl.tokens.cluster import Cluster
from impl.tokens.config import MAX_SERVERS, MIN_SERVERS, Params, maxf
from impl.tokens.errors import Refused
from impl.tokens.operations import GetTokens, Installed, NotOwner, Ok, Pay, Tokens


def random_step_run(seed: int, ops: int = 40) -> tuple[Cluster, list[Completed]]:
    """Random pays, gettokens and role changes, one at a time, in step mode with
    maxf(n) faulty servers losing half their messages."""
    rng = random.Random(seed)
    params = Params(servers=rng.randint(MIN_SERVERS, MAX_SERVERS), drop=0.5, seed=seed)
    cluster = Cluster(params, mode="step")
    done: list[Completed] = []
    for _ in range(ops):
        roll = rng.random()
        if roll < 0.1:
            x = rng.choice(cluster.servers() + cluster.clients())
            try:
                handle = cluster.transform(x)
            except Refused:
                continue
            call: Pay | GetTokens | str = x
        else:
            client = rng.choice(cluster.clients())
            if roll < 0.75:
                to = rng.choice([c for c in cluster.clients() if c != client])
                handle = cluster.pay(client, rng.randrange(60), to)
            else:
                handle = cluster.gettokens(client, rng.choice(cluster.clients()))
            call = handle.call  # type: ignore[assignment]
        answer = cluster.run(handle)
        node = "manager" if isinstance(call, str) else handle.node
        done.append(Completed(node, call, answer, handle.invoked_seq, handle.answered_seq))
    return cluster, done


@pytest.mark.parametrize("seed", range(25))
def test_conservation_holds_after_random_runs_with_role_changes(seed: int) -> None:
    cluster, done = random_step_run(seed)
    assert conservation(cluster) == []
    assert versions_unique(done) == []
    faulty_servers = [s for s in cluster.servers() if s in cluster.env.faulty]
    assert len(faulty_servers) <= maxf(len(cluster.servers()))


@pytest.mark.parametrize("seed", range(10))
def test_sequential_runs_agree_with_their_fault_free_rerun_answer_by_answer(seed: int) -> None:
    cluster, done = random_step_run(seed)
    again = rerun(cluster.params, done)
    assert compare(done, again.answers).differences == []
    assert again.answers == [c.answer for c in done]


def test_a_difference_between_operations_that_did_not_overlap_is_a_failure() -> None:
    pay = Completed("c1", Pay(0, "c2"), Ok(2), invoked_seq=1, answered_seq=10)
    read = Completed("c3", GetTokens("c2"), Tokens(((1, 1),)), invoked_seq=11, answered_seq=20)
    result = compare([pay, read], [Ok(2), Tokens(((0, 2), (1, 1)))])
    [diff] = result.differences
    assert diff.verdict == "failure"
    assert "[0] differ with no overlapping operation" in diff.why


def test_a_difference_explained_by_an_overlapping_pay_is_not_a_failure() -> None:
    pay = Completed("c1", Pay(0, "c2"), Ok(2), invoked_seq=1, answered_seq=10)
    read = Completed("c3", GetTokens("c2"), Tokens(((1, 1),)), invoked_seq=5, answered_seq=20)
    later = Completed("c4", Pay(0, "c5"), NotOwner(1, "c1"), invoked_seq=30, answered_seq=40)
    result = compare([pay, read, later], [Ok(2), Tokens(((0, 2), (1, 1))), NotOwner(2, "c2")])
    assert [d.verdict for d in result.differences] == ["overlap", "failure"]
    assert "token 0 overlapped with c1: pay(0, c2)" in result.differences[0].why


def test_a_change_that_installs_differently_is_a_failure() -> None:
    change = Completed("manager", "c1", Installed(1, ("s1", "c1")), 1, 2)
    result = compare([change], [Installed(1, ("s1", "s2", "c1"))])
    assert result.failures


def test_a_later_difference_on_a_token_that_overlapping_pays_diverged_follows_the_overlap() -> None:
    # c2 pays token 0 on to c3 while c1's pay to c2 is still finishing: completion
    # order puts c2 first, so the re-run answers NOT_OWNER there and diverges
    first = Completed("c2", Pay(0, "c3"), Ok(3), invoked_seq=5, answered_seq=9)
    second = Completed("c1", Pay(0, "c2"), Ok(2), invoked_seq=1, answered_seq=10)
    later = Completed("c3", Pay(0, "c4"), Ok(4), invoked_seq=30, answered_seq=40)
    result = compare([first, second, later], [NotOwner(1, "c1"), Ok(2), NotOwner(2, "c2")])
    assert [d.verdict for d in result.differences] == ["overlap", "follows-overlap"]
    assert result.failures == []
