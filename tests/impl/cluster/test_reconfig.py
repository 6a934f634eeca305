"""Role changes while clients pay: every pay completes (phases restart in the
new configuration), and the stores' audit holds afterwards."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from impl.cluster.audit import audit
from impl.cluster.client import ClusterClient
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.tokens.config import initial_owner
from impl.tokens.operations import Answer, Ok
from tests.impl.cluster.conftest import start, stop_everything

PAYS = 12


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    layout = start(tmp_path_factory.mktemp("reconfig"), servers=3)
    try:
        yield layout
    finally:
        stop_everything(layout)


def pay_all(layout: Layout, name: str, to: str, answers: list[Answer]) -> None:
    with ClusterClient(layout, name) as client:
        for token in [t for t in range(60) if initial_owner(t) == name][:PAYS]:
            answers.append(client.pay(token, to, timeout=20))


def test_pays_complete_across_a_join_and_a_leave(cluster: Layout) -> None:
    answers: list[Answer] = []
    payers = [
        threading.Thread(target=pay_all, args=(cluster, "c1", "c2", answers)),
        threading.Thread(target=pay_all, args=(cluster, "c2", "c3", answers)),
    ]
    for t in payers:
        t.start()
    operator = Operator(cluster)
    joined = operator.transform("c6")["text"]
    left = operator.transform("s1")["text"]
    for t in payers:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in payers)
    assert joined == "installed epoch 1: servers s1, s2, s3, c6"
    assert left == "installed epoch 2: servers s2, s3, c6"
    # c1's tokens are ten (token t starts with c(t mod 6 + 1)); each pay moves one
    assert len(answers) == 10 + 10 and all(a == Ok(2) for a in answers)
    epochs = {r.name: r.epoch for r in operator.status()}
    operator.close()
    assert epochs["manager"] == 2 and "s1" not in epochs
    assert audit(cluster) == []
