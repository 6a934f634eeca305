"""What the server's store and the manager's journal keep across a kill: the
reply to a SYNC request, a step's trace lines, the change and its messages,
an intent until it is done; the trace repairs a restart makes (lines a kill
cut off, `killed`); and finding a node's processes that no run file names."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from impl.cluster.durable import DurableStore, State
from impl.cluster.journal import Journal, describe, read_progress
from impl.cluster.lamport import append_event, read_events, recover_lines
from impl.cluster.layout import Layout
from impl.cluster.spawn import alive, processes_of, stop_all

SERVERS = ("s1", "s2", "s3")


def line(lamport: int, event: str = "delivered") -> str:
    return json.dumps({"seq": lamport, "event": event, "lamport": lamport})


def test_a_store_keeps_a_sync_reply_and_the_last_steps_lines(tmp_path: Path) -> None:
    store = DurableStore(tmp_path / "s1.sqlite")
    state = State(0, {0: (1, "c1")}, SERVERS)
    assert store.save(state, None, [line(1)])
    assert not store.save(state)  # nothing changed, nothing to keep: no commit
    assert store.save(state, ("manager.2", b"reply"), [line(2)])  # a reply alone commits
    again = DurableStore(tmp_path / "s1.sqlite")
    assert again.reply("manager.2") == b"reply"
    assert again.reply("manager.3") is None
    assert again.last_lines() == [line(2)]  # only the last commit's: the others are written


def test_a_restart_writes_the_committed_lines_its_trace_lacks(tmp_path: Path) -> None:
    trace = tmp_path / "s1.jsonl"
    head = json.dumps({"format": "tokencheck-trace", "version": 1})
    trace.write_text(f"{head}\n{line(1)}\n" + '{"seq": 2, "ev')  # torn by the kill
    recover_lines(trace, [line(1), line(2)])
    _, events = read_events(trace)
    assert [e["lamport"] for e in events] == [1, 2]
    recover_lines(trace, [line(2)])  # already there: nothing twice
    assert [e["lamport"] for e in read_events(trace)[1]] == [1, 2]


def test_killed_goes_after_everything_the_dead_process_recorded(tmp_path: Path) -> None:
    trace = tmp_path / "s2.jsonl"
    trace.write_text(json.dumps({"format": "tokencheck-trace"}) + f"\n{line(7)}\n")
    append_event(trace, "killed", 1234, node="s2", pid=99)
    _, events = read_events(trace)
    assert events[-1] == {
        "seq": 8, "event": "killed", "node": "s2", "pid": 99, "lamport": 8,
        "mono_ns": 1234, "process": "s2",
    }  # fmt: skip
    append_event(tmp_path / "none.jsonl", "killed", node="s3")  # --no-trace: no file made
    assert not (tmp_path / "none.jsonl").exists()


def test_the_journal_keeps_a_change_its_messages_and_the_last_install(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "manager.sqlite")
    write = {
        "id": "manager.5", "kind": "SYNC_WRITE", "src": "manager", "dst": "s2", "tag": None,
        "payload": {"epoch": 1, "servers": ["s1", "s2", "s3", "c4"], "entries": [[0, 2, "c2"]]},
    }  # fmt: skip
    journal.commit({"node": "c4", "step": "sync-write"}, [write], [line(5)], None)
    journal.commit(None, [], [line(6)], (1, ["s1", "s2", "s3", "c4"]))
    again = Journal(tmp_path / "manager.sqlite")
    assert again.change() is None  # installed: no change in progress
    assert again.installed() == (1, ["s1", "s2", "s3", "c4"])
    assert again.sent("SYNC_WRITE", "s2", 1) == write
    assert again.sent("SYNC_WRITE", "s2", 2) is None
    assert again.sent("SYNC_READ", "s2", 1) is None
    assert [t for t, _ in again.lines()] == [5, 6]


def test_an_intent_is_kept_until_done_and_a_dead_managers_change_is_read(tmp_path: Path) -> None:
    path = tmp_path / "manager.sqlite"
    assert read_progress(path) == (None, None)  # no journal: nothing in progress
    journal = Journal(path)
    journal.set_intent({"do": "join", "node": "c4", "epoch": 0})
    journal.commit(None, [], [line(1)], None)  # a step that did not start c4's change
    assert Journal(path).intent() == {"do": "join", "node": "c4", "epoch": 0}
    assert describe(*read_progress(path)) == (
        "change in progress: starting c4 as a joiner at epoch 0"
    )
    change = {"node": "c4", "joining": True, "to": {"epoch": 1}, "step": "sync-read",
              "read_from": ["s2"], "acks": []}  # fmt: skip
    journal.commit(change, [], [line(2)], None, done_intent=True)
    assert Journal(path).intent() is None
    assert describe(*read_progress(path)) == (
        "change in progress: c4 joins, epoch 1, sync-read (read from: s2)"
    )
    journal.set_intent({"do": "retire", "node": "s1", "epoch": 2})
    journal.commit(None, [], [line(3)], (2, ["s2", "s3", "c4"]))  # the install keeps it
    assert describe(*read_progress(path)) == "retiring s1 (epoch 2 installed): deleting its store"
    journal.set_intent(None)
    assert read_progress(path) == (None, None) and describe(None, None) == ""
    (tmp_path / "garbage.sqlite").write_bytes(b"not a database" * 100)
    assert read_progress(tmp_path / "garbage.sqlite") == (None, None)


def test_stop_all_finds_a_process_of_the_node_that_no_run_file_names(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "cluster")
    layout.make_dirs()
    sleep = "import time; time.sleep(30)"
    argv = [sys.executable, "-c", sleep, "--data", str(layout.root), "--name", "c4"]
    other = [sys.executable, "-c", sleep, "--data", str(layout.root), "--name", "c5"]
    mine = subprocess.Popen(argv, start_new_session=True)
    theirs = subprocess.Popen(other, start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while processes_of(layout, "c4") != [mine.pid] and time.monotonic() < deadline:
            time.sleep(0.02)  # /proc shows the new argv once the exec is done
        assert processes_of(layout, "c4") == [mine.pid]
        assert processes_of(Layout(tmp_path / "elsewhere"), "c4") == []  # another cluster's
        assert stop_all(layout, "c4") == [mine.pid]
        assert not alive(mine.pid)  # killed and reaped by stop_all
        assert stop_all(layout, "c4") == []  # idempotent
        assert theirs.poll() is None  # another node's process is left alone
    finally:
        for process in (mine, theirs):
            process.kill()
            process.wait()
