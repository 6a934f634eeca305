"""An install and a client's phase start never interleave, across processes
(impl.cluster.config_lock): a client that starts a phase after the install's
step committed uses the new configuration, even while cluster.json still shows
the old one (here: the manager paused by the test hook between its journal
commit and cluster.json, then killed). Before the lock, such a phase started in
the old epoch after the install's trace line: the servers of the new epoch
discarded it, the pay waited for the manager's restart, and `check trace DIR`
diverged ("pending.epoch: implementation 0, specification 1")."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from checker.cli import main
from impl.cluster.client import ClusterClient
from impl.cluster.config_lock import ConfigLock
from impl.cluster.errors import ClusterError
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.manager import PAUSE_ENV
from impl.cluster.operator import Operator
from impl.tokens.config import initial_owner
from impl.tokens.operations import Ok
from tests.impl.cluster.conftest import assert_trace_conforms, start, stop_everything, wait_for


@pytest.fixture()
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(PAUSE_ENV, "install")
        layout = start(tmp_path_factory.mktemp("order"), servers=3)
    try:
        yield layout
    finally:
        stop_everything(layout)


def test_a_pay_during_an_uncommitted_cluster_json_uses_the_installed_epoch(
    cluster: Layout,
) -> None:
    operator = Operator(cluster)
    paused = cluster.root / "run" / "manager.paused"
    errors: list[ClusterError] = []

    def transform() -> None:
        try:
            operator.transform("c4")
        except ClusterError as error:  # the manager is killed while it pauses
            errors.append(error)

    threading.Thread(target=transform, daemon=True).start()
    wait_for("the manager pauses at the install", paused.exists)
    assert cluster.read().current[0] == 0  # committed in the journal, not in cluster.json
    token = next(t for t in range(60) if initial_owner(t) == "c1")
    with ClusterClient(cluster, "c1", trace=True) as client:
        answer = client.pay(token, "c2", timeout=10)  # the manager is still paused
        assert client.board.get().epoch == 1
    assert answer == Ok(2)
    operator.kill(MANAGER)
    paused.unlink()
    operator.restart(MANAGER)
    wait_for("epoch 1 in cluster.json", lambda: cluster.read().current[0] == 1)
    operator.close()
    assert_trace_conforms(cluster.root)


def test_the_config_lock_is_reentrant_and_excludes_another_holder(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "run" / "config.lock"
    calls: list[int] = []
    first = ConfigLock(path, on_acquire=lambda: calls.append(1))
    second = ConfigLock(path)  # another open file: flock excludes it as another process
    got: list[float] = []

    def take() -> None:
        with second:
            got.append(time.monotonic())

    with first, first:  # reentrant: the flock is taken once
        waiter = threading.Thread(target=take)
        waiter.start()
        time.sleep(0.3)
        assert got == []  # still waiting for the flock
        released = time.monotonic()
    waiter.join(timeout=5)
    assert len(got) == 1 and got[0] >= released
    assert calls == [1]
    first.close()
    second.close()


def test_a_leaver_is_stopped_before_the_ack_that_installs_its_leave(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # In the specification the last SYNC_ACK, the install and the leaver becoming a
    # client are one step: the leaver must handle nothing after that ack's line.
    import json

    layout = start(tmp_path_factory.mktemp("leave"), servers=4)
    try:
        operator = Operator(layout)
        operator.transform("s1")
        operator.close()
        assert layout.read().current == (1, ["s2", "s3", "s4"])
        events = [json.loads(line) for line in layout.trace(MANAGER).read_text().splitlines()]
        quorum = next(
            e
            for e in events
            if e.get("event") == "delivered"
            and e.get("kind") == "SYNC_ACK"
            and e.get("effect") == "quorum reached"
        )
        leaver = [json.loads(line) for line in layout.trace("s1").read_text().splitlines()]
        killed = [e for e in leaver if e.get("event") == "killed"]
        assert len(killed) == 1
        assert killed[0]["mono_ns"] < quorum["mono_ns"]
        assert all(e.get("mono_ns", 0) <= killed[0]["mono_ns"] for e in leaver)
        result = CliRunner().invoke(main, ["trace", str(layout.root)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    finally:
        stop_everything(layout)
