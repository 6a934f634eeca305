"""A server restarted after role changes it missed conforms: the manager sends
it again the SYNC_WRITEs those changes sent it (same ids: the model's messages
in flight, delivered late), so its store holds the merged writes. The catch-up
as it was before the journal (a new, empty SYNC_WRITE per epoch) diverges.

And "lost only while down": the merged trace records `killed` and `restarted`;
a `dropped` message of a correct server outside such a window is rejected."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from impl.cluster.audit import audit
from impl.cluster.client import ClusterClient
from impl.cluster.layout import Layout
from impl.cluster.manager import EMPTY_CATCH_UP, MUTANT_ENV, RETRY_ENV
from impl.cluster.operator import Operator
from impl.tokens.operations import Ok
from tests.impl.cluster.conftest import start, stop_everything


def check(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def missed_two_changes(layout: Layout, wait: float = 1.0) -> dict[int, tuple[int, str]]:
    """Kill s2, pay, two role changes, wait, restart s2: its store once caught up."""
    operator = Operator(layout)
    try:
        operator.kill("s2")
        with ClusterClient(layout, "c1", trace=True) as c1:
            assert c1.pay(0, "c2") == Ok(2)  # on s1 and s3 only
        assert operator.transform("c4")["text"] == "installed epoch 1: servers s1, s2, s3, c4"
        assert operator.transform("c5")["text"] == "installed epoch 2: servers s1, s2, s3, c4, c5"
        # the manager's own retries to s2 (0.2 s here) end: only the catch-up is left
        time.sleep(wait)
        operator.restart("s2")
        store = operator.store("s2")
        assert store is not None
        epochs = {r.name: r.epoch for r in operator.status()}
        assert epochs["s2"] == 2
        return store
    finally:
        operator.close()


@pytest.fixture(scope="module")
def caught_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Layout, Any]]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv(RETRY_ENV, "0.2")
        layout = start(tmp_path_factory.mktemp("catchup"), servers=3)
    try:
        store = missed_two_changes(layout)
        with ClusterClient(layout, "c2", trace=True) as c2:
            assert c2.pay(0, "c3") == Ok(3)
        with ClusterClient(layout, "c3", trace=True) as c3:
            assert c3.pay(0, "c6") == Ok(4)
        yield layout, store
    finally:
        stop_everything(layout)


def merged(layout: Layout, out: Path) -> list[dict[str, Any]]:
    result = check(
        "cluster", "merge", "--by", "time", "--out", str(out), "--data", str(layout.root)
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_a_server_that_missed_two_changes_conforms_once_caught_up(
    caught_up: tuple[Layout, Any], tmp_path: Path
) -> None:
    layout, store = caught_up
    assert store[0] == (2, "c2")  # the pay it missed, from the first change's merge
    result = check("trace", str(layout.root))
    assert result.exit_code == 0, result.output
    assert "CONFORMS to the specification" in result.output
    assert "verdict  OK: linearizable" in result.output
    assert audit(layout) == []
    # s2 delivered the very SYNC_WRITEs the changes sent it, each once
    events = merged(layout, tmp_path / "m.jsonl")[1:]
    sent = [e["id"] for e in events if e["event"] == "sent" and e["kind"] == "SYNC_WRITE"]
    to_s2 = [e for e in events if e["event"] == "delivered" and e["dst"] == "s2"]
    syncs = [e for e in to_s2 if e["kind"] == "SYNC_WRITE"]
    assert [e["effect"] for e in syncs] == ["entered epoch 1", "entered epoch 2"]
    assert all(e["id"] in sent for e in syncs)
    assert len(sent) == 4 + 5  # one per new server and change: none sent again as new


def test_the_empty_catch_up_loses_the_merged_writes_and_diverges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RETRY_ENV, "0.2")
    monkeypatch.setenv(MUTANT_ENV, EMPTY_CATCH_UP)
    layout = start(tmp_path, servers=3)
    monkeypatch.delenv(MUTANT_ENV)
    try:
        store = missed_two_changes(layout)
        assert store[0] == (1, "c1")  # its own store: the pay is not there
        result = check("trace", str(layout.root))
    finally:
        stop_everything(layout)
    assert result.exit_code == 1, result.output
    assert "sends SYNC_WRITE manager->s2" in result.output
    assert "which the specification does not send here" in result.output


def test_a_server_restarted_while_the_changes_still_retry_conforms_too(tmp_path: Path) -> None:
    """The changes' own SYNC_WRITEs (retried for 5 s) race the catch-up's: the
    newer one may arrive first and be held; each is delivered once all the same."""
    layout = start(tmp_path, servers=3)
    try:
        store = missed_two_changes(layout, wait=0.0)
        assert store[0] == (2, "c2")
        result = check("trace", str(layout.root))
        events = merged(layout, tmp_path / "m.jsonl")[1:]
    finally:
        stop_everything(layout)
    assert result.exit_code == 0, result.output
    syncs = [
        e["id"]
        for e in events
        if e["event"] == "delivered" and e["dst"] == "s2" and e["kind"] == "SYNC_WRITE"
    ]
    assert len(syncs) == len(set(syncs)) == 2


def edited(events: list[dict[str, Any]], path: Path) -> Path:
    """The events as a merged trace file, numbered again."""
    lines = [events[0], *({**e, "seq": i} for i, e in enumerate(events[1:], 1))]
    path.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in lines))
    return path


def test_a_drop_is_accepted_only_while_its_correct_server_is_down(
    caught_up: tuple[Layout, Any], tmp_path: Path
) -> None:
    layout, _ = caught_up
    events = merged(layout, tmp_path / "m.jsonl")
    kinds = [(e.get("event"), e.get("node")) for e in events]
    killed, restarted = kinds.index(("killed", "s2")), kinds.index(("restarted", "s2"))
    assert killed < restarted
    # c1's WRITE to s2, sent while s2 was down: c1 gave up on it without a record
    write = next(
        e
        for e in events[killed:restarted]
        if e["event"] == "sent" and e["kind"] == "WRITE" and e["dst"] == "s2"
    )
    drop = {
        "seq": 0, "event": "dropped", "id": write["id"], "kind": "WRITE", "src": write["src"],
        "dst": "s2", "tag": write["tag"], "reason": "unreachable: s2 has no running process",
    }  # fmt: skip
    inside = [*events[:restarted], drop, *events[restarted:]]
    result = check("trace", str(edited(inside, tmp_path / "inside.jsonl")))
    assert result.exit_code == 0, result.output
    # the same drop, with s2's kill taken out of the trace: s2 was up, so the loss is not
    outside = [e for i, e in enumerate(inside) if i != killed]
    result = check("trace", str(edited(outside, tmp_path / "outside.jsonl")))
    assert result.exit_code == 1, result.output
    assert f"diverges at line {restarted}:" in result.output  # the drop's line (1 = header)
    assert "s2 is not faulty and was not down in between" in result.output
