"""A faulty server loses what `--drop` says; requests still complete on a quorum."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from impl.cluster.client import ClusterClient
from impl.cluster.errors import ClusterError
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.cluster.spawn import kill
from impl.tokens.operations import Ok, Tokens
from tests.impl.cluster.conftest import start, stop_everything


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = start(tmp_path_factory.mktemp("faults"), servers=3, faulty=["s1"], drop=1.0)
    try:
        yield layout
    finally:
        stop_everything(layout)


def test_a_server_that_loses_everything_changes_nothing_and_others_answer(
    cluster: Layout,
) -> None:
    with ClusterClient(cluster, "c1") as c1:
        assert [c1.pay(t, "c2") for t in (0, 6, 12)] == [Ok(2), Ok(2), Ok(2)]
        answer = c1.gettokens("c2")
    assert isinstance(answer, Tokens) and {(0, 2), (6, 2), (12, 2)} <= set(answer.tokens)
    operator = Operator(cluster)
    s1 = json.loads(operator.control("s1", "status").json)
    s2 = json.loads(operator.control("s2", "status").json)
    operator.close()
    # (lost counts the calls that reached it: the last ones may be cut off by close)
    assert (s1["handled"], s1["faulty"]) == (0, True) and s1["lost"] >= 1
    assert s1["store"][0] == [0, 1, "c1"]  # it never applied the pay
    assert s2["lost"] == 0 and s2["store"][0] == [0, 2, "c2"]


def test_the_manager_refuses_a_change_beyond_the_fault_bound_with_a_server_down(
    cluster: Layout,
) -> None:
    operator = Operator(cluster)
    operator.kill("s3", force=True)  # s1 faulty and s3 down: 2 of 3
    try:
        with pytest.raises(ClusterError, match="more than maxf"):
            operator.transform("c5")  # 4 servers tolerate 1
    finally:
        operator.restart("s3")
        operator.close()


def test_a_dead_manager_is_restarted_from_cluster_json(cluster: Layout) -> None:
    operator = Operator(cluster)
    run = cluster.read_run("manager")
    assert run is not None
    kill(run["pid"])
    with pytest.raises(ClusterError, match="unreachable"):
        operator.transform("c5")
    operator.restart("manager")
    rows = {r.name: r for r in operator.status()}
    operator.close()
    assert (rows["manager"].health, rows["manager"].epoch) == ("ok", 0)
