"""Step-by-step mode: reproducible traces and a scheduler a caller can steer."""

from __future__ import annotations

import io
import random

import pytest

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.operations import NotOwner, Ok
from impl.tokens.recorder import Recorder
from impl.tokens.scheduler import Deliver, Drop, SchedulerError

from .conftest import MakeCluster


def scripted_trace(seed: int) -> str:
    """A small mixed run (pays, gettokens, a join and a leave) in step mode."""
    params = Params(servers=3, drop=0.5, seed=seed)
    sink = io.StringIO()
    recorder = Recorder(
        sink=sink, header={"mode": "step", "seed": seed, "params": params.to_json()}
    )
    cluster = Cluster(params, mode="step", recorder=recorder)
    rng = random.Random(seed)
    for i in range(8):
        client = rng.choice(cluster.clients())
        other = rng.choice([c for c in cluster.clients() if c != client])
        cluster.run(cluster.pay(client, rng.randrange(60), other))
        cluster.run(cluster.gettokens(client, other))
        if i == 3:
            cluster.run(cluster.transform("c6"))
        if i == 5:
            cluster.run(cluster.transform("s1"))
    cluster.quiesce()
    return sink.getvalue()


def test_the_same_seed_gives_the_same_trace_byte_for_byte() -> None:
    first, second = scripted_trace(7), scripted_trace(7)
    assert first == second
    assert '"event":"dropped"' in first and '"step":"install"' in first


def test_different_seeds_give_different_schedules() -> None:
    assert scripted_trace(7) != scripted_trace(8)


def test_enabled_steps_offer_drops_only_for_messages_of_faulty_servers(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(servers=3, faulty=("s2",))
    sched = cluster.scheduler
    assert sched is not None
    cluster.pay("c1", 0, "c2")
    steps = sched.enabled()
    by_dst = {m.dst: m.id for m in sched.in_flight()}
    assert Drop(by_dst["s2"]) in steps
    assert Drop(by_dst["s1"]) not in steps
    assert [s for s in steps if isinstance(s, Deliver)] == [
        Deliver(i) for i in sorted(by_dst.values())
    ]
    with pytest.raises(SchedulerError, match="cannot be dropped: neither end is a faulty server"):
        sched.drop(by_dst["s1"])
    with pytest.raises(SchedulerError, match="is not in flight"):
        sched.deliver(999)


def test_a_chosen_schedule_loses_the_faulty_servers_messages_and_still_answers(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(servers=3, faulty=("s2",))
    sched = cluster.scheduler
    assert sched is not None
    handle = cluster.pay("c1", 0, "c2")
    while not handle.done:  # lose everything s2 is sent; deliver the rest oldest first
        nxt = sched.in_flight()[0]
        (sched.drop if nxt.dst == "s2" else sched.deliver)(nxt.id)
    assert handle.answer == Ok(2)
    assert cluster.store("s2")[0] == (1, "c1")  # the faulty server never saw the write


def test_a_phase_restarts_in_the_new_configuration_after_an_install(
    make_cluster: MakeCluster,
) -> None:
    recorder = Recorder(keep=True)
    cluster = make_cluster(servers=3, faulty=(), recorder=recorder)
    sched = cluster.scheduler
    assert sched is not None
    pay = cluster.pay("c1", 0, "c2")
    reads = sched.find(kind="READ")
    change = cluster.transform("c3")
    # deliver only the manager's messages until the change installs; the READs wait
    while not change.done:
        [nxt] = [m for m in sched.in_flight() if m.kind.startswith("SYNC")][:1]
        sched.deliver(nxt.id)
    restarts = [e for e in recorder.events if e["event"] == "phase" and e["restart"]]
    assert [r["tag"] for r in restarts] == [{"client": "c1", "op": 1, "phase": "read", "epoch": 1}]
    assert {m.dst for m in sched.find(kind="READ") if m.tag and m.tag.epoch == 1} == {
        "s1",
        "s2",
        "s3",
        "c3",
    }
    for old in reads:  # the epoch-0 READs are now discarded by servers at epoch 1
        sched.deliver(old.id)
    assert not pay.done
    sched.run_fifo(lambda: pay.done)
    assert pay.answer == Ok(2)


def test_a_message_of_a_newer_epoch_cannot_be_delivered_before_the_server_gets_there(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(servers=3, faulty=())
    sched = cluster.scheduler
    assert sched is not None
    change = cluster.transform("c4")
    while not change.done:  # hold back the joiner's SYNC_WRITE: q(4) = 3 acks install
        nxt = next(m for m in sched.in_flight() if (m.kind, m.dst) != ("SYNC_WRITE", "c4"))
        sched.deliver(nxt.id)
    late = sched.find(kind="SYNC_WRITE")
    assert [m.dst for m in late] == ["c4"]
    laggard = "c4"
    handle = cluster.pay("c1", 0, "c2")
    [read] = sched.find(kind="READ", dst=laggard)
    with pytest.raises(SchedulerError, match="would wait: its epoch 1 is newer"):
        sched.deliver(read.id)
    sched.deliver(late[0].id)
    sched.deliver(read.id)
    sched.run_fifo(lambda: handle.done)
    assert handle.answer == Ok(2)


def test_not_owner_is_answered_after_its_write_back(make_cluster: MakeCluster) -> None:
    recorder = Recorder(keep=True)
    cluster = make_cluster(servers=3, faulty=(), recorder=recorder)
    assert cluster.run(cluster.pay("c2", 0, "c3")) == NotOwner(1, "c1")
    phases = [e["tag"]["phase"] for e in recorder.events if e["event"] == "phase"]
    assert phases == ["read", "write-back"]


def test_a_late_reply_to_a_client_that_rejoined_as_a_faulty_server_cannot_be_lost(
    make_cluster: MakeCluster,
) -> None:
    """The reply's server end is a correct server: the model needs it delivered
    (the joined node then discards it), whatever the node it goes to became."""
    cluster = make_cluster(servers=5, faulty=("s1",))
    sched = cluster.scheduler
    assert sched is not None
    cluster.run(cluster.transform("s1"))  # s1 leaves: a client now
    pay = cluster.pay("s1", 0, "c2")  # s1 owns nothing: NOT_OWNER after a write-back
    while not pay.done:  # deliver oldest first, but keep back s5's acks to s1
        nxt = next(m for m in sched.in_flight() if (m.kind, m.src) != ("WRITE_ACK", "s5"))
        sched.deliver(nxt.id)
    assert isinstance(pay.answer, NotOwner)
    [late] = sched.find(kind="WRITE_ACK", src="s5")
    join = cluster.transform("s1")  # s1 joins again, as a faulty server
    while not join.done:  # the manager's messages only: the late ack stays in flight
        sched.deliver(next(m for m in sched.in_flight() if m.kind.startswith("SYNC")).id)
    assert "s1" in cluster.servers()
    assert Drop(late.id) not in sched.enabled()
    with pytest.raises(SchedulerError, match="cannot be dropped"):
        sched.drop(late.id)
    sched.deliver(late.id)  # the server s1 discards it
