"""Each implementation mutant (impl/tokens/mutants.py), run on a workload that
exercises it, records a trace that `check trace` rejects at the step the
mutant changes, naming the reason; the correct implementation, run the same
way, conforms."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from checker.conformance import TraceVerdict, check_trace_lines
from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.messages import Message
from impl.tokens.recorder import Recorder
from spec.tokens.conformance import CONFORMANCE

Scenario = Callable[[Cluster], None]


def deliver_while(cluster: Cluster, wanted: Callable[[Message], bool]) -> None:
    """Deliver wanted messages (and what they cause) until none is in flight."""
    sched = cluster.scheduler
    assert sched is not None
    while True:
        ready = [m for m in sched.in_flight() if wanted(m) and sched.can_deliver(m)]
        if not ready:
            return
        sched.deliver(ready[0].id)


def of(client: str, *kinds: str) -> Callable[[Message], bool]:
    return lambda m: m.tag is not None and m.tag.client == client and m.kind in kinds


def is_sync(m: Message) -> bool:
    return m.kind.startswith("SYNC")


def pay_completes(cluster: Cluster, client: str, token: int, to: str) -> None:
    handle = cluster.pay(client, token, to)
    deliver_while(cluster, of(client, "READ", "READ_REPLY", "WRITE", "WRITE_ACK"))
    assert handle.done


def run_pay_with_keys(cluster: Cluster) -> None:
    """A pay of a token the payer does not own, a gettokens, a join, a pay."""
    pay_completes(cluster, "c1", 1, "c2")
    handle = cluster.gettokens("c3", "c3")
    deliver_while(cluster, of("c3", "READ", "READ_REPLY", "WRITE", "WRITE_ACK"))
    assert handle.done
    cluster.transform("c4")
    deliver_while(cluster, is_sync)
    pay_completes(cluster, "c1", 0, "c2")


def stale_write_back(cluster: Cluster) -> None:
    """c3's gettokens reads t0=v1 from s2 and s3; c1 pays t0 (v2) meanwhile;
    c3's write-back of v1 then reaches s2."""
    cluster.gettokens("c3", "c3")
    sched = cluster.scheduler
    assert sched is not None
    deliver_while(
        cluster, lambda m: of("c3", "READ", "READ_REPLY")(m) and "s1" not in (m.src, m.dst)
    )
    pay_completes(cluster, "c1", 0, "c2")
    [late] = sched.find(kind="WRITE", dst="s2", src="c3")
    sched.deliver(late.id)


def transfer_misses_a_write(cluster: Cluster) -> None:
    """c1's WRITE of t0=v2 reaches only s1; c4 joins with a merge of s2 and s3."""
    cluster.pay("c1", 0, "c2")
    deliver_while(cluster, of("c1", "READ", "READ_REPLY"))
    sched = cluster.scheduler
    assert sched is not None
    [write] = sched.find(kind="WRITE", dst="s1")
    sched.deliver(write.id)
    cluster.transform("c4")
    deliver_while(cluster, lambda m: is_sync(m) and "s1" not in (m.src, m.dst))
    [sync] = sched.find(kind="SYNC_WRITE", dst="s1")
    sched.deliver(sync.id)


def old_write_after_a_change(cluster: Cluster) -> None:
    """c1's WRITE of epoch 0 reaches s2 after c4 joined (epoch 1)."""
    cluster.pay("c1", 0, "c2")
    deliver_while(cluster, of("c1", "READ", "READ_REPLY"))
    cluster.transform("c4")
    deliver_while(cluster, is_sync)
    sched = cluster.scheduler
    assert sched is not None
    [old] = [
        m for m in sched.find(kind="WRITE", dst="s2") if m.tag is not None and m.tag.epoch == 0
    ]
    sched.deliver(old.id)


def recorded(mutant: str | None, scenario: Scenario) -> TraceVerdict:
    params = Params(servers=3, faulty=(), seed=0, mutant=mutant)
    sink = io.StringIO()
    header = {"mode": "step", "seed": 0, "params": params.to_json()}
    cluster = Cluster(params, mode="step", recorder=Recorder(sink=sink, header=header))
    scenario(cluster)
    return check_trace_lines(iter(io.StringIO(sink.getvalue())), CONFORMANCE)


CASES = [
    (
        "small-quorum",
        run_pay_with_keys,
        "says 'quorum reached' after 1 answers; the specification needs 2",
    ),
    ("no-write-back", run_pay_with_keys, "c1 answers, but the specification has not completed"),
    (
        "no-owner-check",
        run_pay_with_keys,
        'pending.phase: implementation "write", specification "write-back"',
    ),
    (
        "no-state-transfer",
        run_pay_with_keys,
        "c4 has a store of 60 tokens; the specification's c4 has none",
    ),
    (
        "overwrite",
        stale_write_back,
        "s2's store differs at token 0: implementation v1/c1, specification v2/c2"
        " (the store went back from v2/c2)",
    ),
    (
        "sync-replace",
        transfer_misses_a_write,
        "s1's store differs at token 0: implementation v1/c1, specification v2/c2"
        " (the store went back from v2/c2)",
    ),
    (
        "no-epoch-check",
        old_write_after_a_change,
        "s2 'applied 1 of 1' WRITE c1->s2 [c1#1 write e0] t0=v2/c2; the specification discards it",
    ),
]


@pytest.mark.parametrize(("mutant", "scenario", "reason"), CASES, ids=[c[0] for c in CASES])
def test_a_mutant_implementation_diverges_where_the_bug_acts(
    mutant: str, scenario: Scenario, reason: str
) -> None:
    correct = recorded(None, scenario)
    assert correct.divergence is None, correct.divergence
    verdict = recorded(mutant, scenario)
    assert verdict.divergence is not None, f"{mutant} conforms"
    assert reason in verdict.divergence.reason
