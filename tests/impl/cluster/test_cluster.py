"""The cluster's processes answer like the threaded system, and a killed server
comes back with its store."""

from __future__ import annotations

import time

import pytest

from impl.cluster.audit import audit
from impl.cluster.client import ClusterClient
from impl.cluster.errors import BadData
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.tokens.errors import BadCommand, NotAClient
from impl.tokens.operations import NotOwner, Ok, Tokens


def test_a_pay_moves_a_token_and_a_second_pay_of_it_is_refused(cluster3: Layout) -> None:
    with ClusterClient(cluster3, "c1") as c1:
        assert c1.pay(0, "c2") == Ok(2)
        assert c1.pay(0, "c3") == NotOwner(2, "c2")
    with ClusterClient(cluster3, "c2") as c2:
        answer = c2.gettokens("c2")
    assert isinstance(answer, Tokens)
    assert (0, 2) in answer.tokens and (1, 1) in answer.tokens
    assert audit(cluster3) == []


def test_operation_numbers_continue_across_client_processes(cluster3: Layout) -> None:
    with ClusterClient(cluster3, "c5") as c5:
        c5.gettokens("c5")
        first = c5.node.ops_started
    with ClusterClient(cluster3, "c5") as c5:
        c5.gettokens("c5")
        assert c5.node.ops_started == first + 1


def test_one_client_name_is_one_sequential_client(cluster3: Layout) -> None:
    with ClusterClient(cluster3, "c6"), pytest.raises(BadCommand, match="busy"):
        ClusterClient(cluster3, "c6")


def test_bad_arguments_are_refused_before_anything_is_sent(cluster3: Layout) -> None:
    with ClusterClient(cluster3, "c1") as c1:
        with pytest.raises(BadCommand, match=r"token: expected 0\.\.59"):
            c1.pay(60, "c2")
        with pytest.raises(BadCommand, match="not a current client"):
            c1.pay(1, "s1")
        with pytest.raises(BadCommand, match="cannot pay itself"):
            c1.pay(1, "c1")
        assert c1.node.ops_started == c1.node.ops_started  # nothing was submitted
    with pytest.raises(NotAClient):
        ClusterClient(cluster3, "s1")
    with pytest.raises(BadData, match="unknown node"):
        ClusterClient(cluster3, "c9")


def test_status_shows_every_process_with_role_epoch_port_pid_and_health(cluster3: Layout) -> None:
    operator = Operator(cluster3)
    rows = {r.name: r for r in operator.status()}
    operator.close()
    assert sorted(rows) == ["manager", "s1", "s2", "s3"]
    for name in ("s1", "s2", "s3"):
        r = rows[name]
        assert (r.role, r.epoch, r.health) == ("server", 0, "ok")
        assert r.port is not None and r.port > 0 and r.pid is not None


def test_a_killed_server_restarts_with_its_store_and_catches_up(cluster3: Layout) -> None:
    operator = Operator(cluster3)
    before = operator.store("s3")
    operator.kill("s3")
    with pytest.raises(BadData, match="more than maxf"):
        operator.kill("s2")  # a second one would break the fault bound
    with ClusterClient(cluster3, "c4") as c4:
        assert c4.pay(3, "c1") == Ok(2)  # s1 and s2 are a quorum
    assert [r.health for r in operator.status() if r.name == "s3"] == ["down"]
    operator.restart("s3")
    restarted = operator.store("s3")
    assert before is not None and restarted is not None
    # durable: what it had when killed; token 3 also if c4's retried write reached it
    assert {t: e for t, e in restarted.items() if t != 3} == {
        t: e for t, e in before.items() if t != 3
    }
    assert restarted[3] in (before[3], (2, "c1"))
    with ClusterClient(cluster3, "c1") as c1:
        assert c1.pay(3, "c2") == Ok(3)
        # the answer needs a quorum only; s3's copy of the write lands a moment later
        deadline = time.monotonic() + 5
        while (after := operator.store("s3")) != {**before, 3: (3, "c2")}:
            assert time.monotonic() < deadline, after
            time.sleep(0.05)
    operator.close()
    assert audit(cluster3) == []


def test_a_server_down_during_a_role_change_catches_up_when_restarted(cluster3: Layout) -> None:
    operator = Operator(cluster3)
    operator.kill("s2")
    assert operator.transform("c4")["text"] == "installed epoch 1: servers s1, s2, s3, c4"
    with ClusterClient(cluster3, "c5") as c5:
        assert c5.pay(4, "c6") == Ok(2)
    operator.restart("s2")
    epochs = {r.name: r.epoch for r in operator.status()}
    assert epochs == {"manager": 1, "s1": 1, "s2": 1, "s3": 1, "c4": 1}
    store = operator.store("s2")
    # its own store, and the pay only if c5's retry (5 s) reached it once restarted
    assert store is not None and store[4] in ((1, "c5"), (2, "c6"))
    with ClusterClient(cluster3, "c6") as c6:
        assert c6.pay(4, "c1") == Ok(3)  # epoch 1 messages are no longer held at s2
        deadline = time.monotonic() + 5
        while (store := operator.store("s2")) is None or store[4] != (3, "c1"):
            assert time.monotonic() < deadline, store
            time.sleep(0.05)
    operator.close()
    assert audit(cluster3) == []
