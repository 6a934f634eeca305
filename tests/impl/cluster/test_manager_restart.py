"""A manager killed (SIGKILL) in the middle of a role change does not lose it:
paused by the test hook after the step that enters each phase (SYNC_READs
sent, SYNC_WRITEs sent, the install committed but not yet in cluster.json),
killed, restarted: it resumes from its journal and installs. Clients pay
throughout; no acknowledged pay is lost, every store's audit holds, and the
merged trace conforms (the resent messages are the ones in flight) and is
linearizable."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from impl.cluster.audit import audit
from impl.cluster.client import ClusterClient
from impl.cluster.errors import ClusterError, Unanswered
from impl.cluster.layout import MANAGER, Layout
from impl.cluster.manager import PAUSE_ENV
from impl.cluster.operator import Operator
from impl.cluster.spawn import alive, processes_of
from impl.tokens.config import initial_owner
from impl.tokens.operations import Answer, Ok
from tests.impl.cluster.conftest import assert_trace_conforms, start, stop_everything, wait_for

CHANGES = [("sync-read", "c4", 1), ("sync-write", "c5", 2), ("install", "s1", 3)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(PAUSE_ENV, CHANGES[0][0])
        layout = start(tmp_path_factory.mktemp("mgr"), servers=3)
    try:
        yield layout
    finally:
        stop_everything(layout)


def _installed(layout: Layout, epoch: int) -> bool:
    return layout.read().current[0] == epoch


def pays(layout: Layout, name: str, to: str, count: int, answers: list[Answer]) -> None:
    with ClusterClient(layout, name, trace=True) as client:
        for token in [t for t in range(60) if initial_owner(t) == name][:count]:
            answers.append(client.pay(token, to, timeout=30))


def transform(operator: Operator, node: str, errors: list[ClusterError]) -> None:
    try:
        operator.transform(node)
    except ClusterError as error:  # the manager it asked is killed
        errors.append(error)


def test_a_manager_killed_at_each_phase_of_a_change_resumes_and_installs(
    cluster: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = Operator(cluster)
    paused = cluster.root / "run" / "manager.paused"
    answers: list[Answer] = []
    errors: list[ClusterError] = []
    payers = []
    for phase, node, epoch in CHANGES:
        if phase != CHANGES[0][0]:  # arm the hook: a manager started with it
            operator.kill(MANAGER)
            monkeypatch.setenv(PAUSE_ENV, phase)
            operator.restart(MANAGER)
            monkeypatch.delenv(PAUSE_ENV)
        payer = threading.Thread(target=pays, args=(cluster, f"c{epoch}", "c6", 3, answers))
        payer.start()
        payers.append(payer)
        asking = threading.Thread(target=transform, args=(operator, node, errors), daemon=True)
        asking.start()
        wait_for(f"the manager pauses at {phase}", paused.exists)
        assert paused.read_text() == phase
        time.sleep(0.2)  # the servers answer a manager that will never read it
        operator.kill(MANAGER)
        asking.join(timeout=10)
        paused.unlink()
        operator.restart(MANAGER)
        wait_for(f"epoch {epoch} installed", partial(_installed, cluster, epoch))
    for payer in payers:
        payer.join(timeout=60)
    assert [type(e) for e in errors] == [Unanswered] * 3  # exit 3 in the CLI
    assert "`check cluster restart manager` resumes" in str(errors[0])
    assert answers == [Ok(2)] * 9  # c1, c2 and c3 each paid three tokens to c6
    assert cluster.read().current == (3, ["s2", "s3", "c4", "c5"])
    epochs = {r.name: r.epoch for r in operator.status()}
    stores = {s: operator.store(s) for s in ("s2", "s3", "c4", "c5")}
    operator.close()
    paid = [
        t for c in ("c1", "c2", "c3") for t in [u for u in range(60) if initial_owner(u) == c][:3]
    ]
    # each acknowledged pay is on enough final stores that every read quorum meets it:
    # 2 of 4 (q(4) = 3), not a majority, when a pay races the leave (PROTOCOL.md section 3)
    for token in paid:
        holders = [s for s, store in stores.items() if store and store[token] == (2, "c6")]
        assert len(holders) >= 2, (token, holders)
    assert epochs == {"manager": 3, "s2": 3, "s3": 3, "c4": 3, "c5": 3}
    # killed after the install's commit, before its store was deleted: done on restart
    assert not cluster.db("s1").exists() and processes_of(cluster, "s1") == []
    assert audit(cluster) == []  # ... which the audit checks too
    output = assert_trace_conforms(cluster.root)
    assert "verdict  OK: linearizable" in output
    trace = [json.loads(line) for line in (cluster.root / "traces" / "manager.jsonl").open()]
    assert sum(e.get("event") == "restarted" for e in trace) == 5


def status_of_manager(layout: Layout) -> str:
    result = CliRunner().invoke(main, ["cluster", "status", "--data", str(layout.root)])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith(MANAGER))


def test_a_manager_killed_after_starting_a_joiner_or_stopping_a_leaver_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after a step's side effect on another process and before the
    step's commit: the joiner's process started (c4 joins), the leaver's
    stopped (s1 leaves). Restarted, the manager replaces the joiner (the first
    one is gone, one process of c4 runs), deletes the leaver's store only after
    the install (not while it was paused), and both changes install."""
    monkeypatch.setenv(PAUSE_ENV, "joiner-started")
    cluster = start(tmp_path, servers=3)
    monkeypatch.delenv(PAUSE_ENV)
    try:
        _join_and_leave_across_kills(cluster, monkeypatch)
    finally:
        stop_everything(cluster)


def _join_and_leave_across_kills(cluster: Layout, monkeypatch: pytest.MonkeyPatch) -> None:
    operator = Operator(cluster)
    paused = cluster.root / "run" / "manager.paused"
    answers: list[Answer] = []
    errors: list[ClusterError] = []
    payers = [
        threading.Thread(target=pays, args=(cluster, c, "c6", 3, answers)) for c in ("c1", "c2")
    ]
    payers[0].start()
    asking = threading.Thread(target=transform, args=(operator, "c4", errors), daemon=True)
    asking.start()
    wait_for("the manager pauses after starting c4's process", paused.exists)
    first = cluster.read_run("c4")
    assert first is not None and alive(first["pid"])
    operator.kill(MANAGER)
    asking.join(timeout=10)
    paused.unlink()
    assert "starting c4 as a joiner at epoch 0" in status_of_manager(cluster)
    assert "`check cluster restart manager` resumes it" in status_of_manager(cluster)
    operator.restart(MANAGER)
    wait_for("epoch 1 installed", lambda: cluster.read().current[0] == 1)
    joiner = cluster.read_run("c4")
    assert joiner is not None and not alive(first["pid"]), "the first joiner is orphaned"
    assert processes_of(cluster, "c4") == [joiner["pid"]]

    operator.kill(MANAGER)  # arm the hook at the leaver's stop
    monkeypatch.setenv(PAUSE_ENV, "leaver-stopped")
    operator.restart(MANAGER)
    monkeypatch.delenv(PAUSE_ENV)
    leaver = cluster.read_run("s1")
    assert leaver is not None
    payers[1].start()
    asking = threading.Thread(target=transform, args=(operator, "s1", errors), daemon=True)
    asking.start()
    wait_for("the manager pauses after stopping s1", paused.exists)
    assert not alive(leaver["pid"]) and processes_of(cluster, "s1") == []
    assert cluster.db("s1").exists(), "the leaver's store is deleted before its install commits"
    operator.kill(MANAGER)
    asking.join(timeout=10)
    paused.unlink()
    assert "change in progress: s1 leaves, epoch 2, sync-write" in status_of_manager(cluster)
    operator.restart(MANAGER)
    wait_for("epoch 2 installed", lambda: cluster.read().current[0] == 2)
    wait_for("the leaver's store deleted", lambda: not cluster.db("s1").exists(), 5.0)
    assert processes_of(cluster, "s1") == [] and cluster.read_run("s1") is None
    assert "change in progress" not in status_of_manager(cluster)

    for payer in payers:
        payer.join(timeout=60)
    assert [type(e) for e in errors] == [Unanswered] * 2
    assert answers == [Ok(2)] * 6
    assert cluster.read().current == (2, ["s2", "s3", "c4"])
    stores = {s: operator.store(s) for s in ("s2", "s3", "c4")}
    operator.close()
    paid = [t for c in ("c1", "c2") for t in [u for u in range(60) if initial_owner(u) == c][:3]]
    for token in paid:  # every read quorum of the final 3 stores (q = 2) meets each pay
        holders = [s for s, store in stores.items() if store and store[token] == (2, "c6")]
        assert len(holders) >= 2, (token, holders)
    assert audit(cluster) == []
    output = assert_trace_conforms(cluster.root)
    assert "verdict  OK: linearizable" in output
    s1_trace = [json.loads(line) for line in cluster.trace("s1").open()]
    assert [e["pid"] for e in s1_trace if e.get("event") == "killed"] == [leaver["pid"]]
