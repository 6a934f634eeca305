"""The manager's journal: what it must not forget, in SQLite (DIR/db/manager.sqlite,
WAL, synchronous=FULL), written in one transaction per step before the step acts.

A step of the manager (start a change, take a SYNC_STATE or a SYNC_ACK) changes
its state, records trace events and sends messages. The journal commits all
three together, then the trace lines go to the trace file and the messages
leave: nothing leaves that a restarted manager would not know about.

- `change`: the change in progress (target, configurations, step, the servers
  that answered, the merged store), or none.
- `outbox`: every SYNC_READ and SYNC_WRITE it sent, with its id. A restarted
  manager sends the same message again (a retransmission, same id: the model's
  message in flight, not a new one), and so does the catch-up of a server
  that was down during a change (`SYNC_WRITE(e+1, servers', merged)` of the
  change, which a server of epoch e still applies).
- `trace`: the step's trace lines; those missing from the trace file (the
  manager died between the commit and the write) are appended on restart.
- `installed`: the last configuration installed, written to cluster.json
  after the commit (again on restart, if the manager died in between).
- `intent`: a side effect on another process that a step is about to make,
  committed on its own before it: `{"do": "join", "node", "epoch"}` before a
  joiner's process is started, `{"do": "retire", "node", "epoch"}` before a
  leaver's process is stopped (its store is deleted once the install of
  `epoch` is committed). A restarted manager finishes it (impl/cluster/manager.py).

    >>> import tempfile, pathlib
    >>> j = Journal(pathlib.Path(tempfile.mkdtemp()) / "manager.sqlite")
    >>> m = {"id": "manager.3", "kind": "SYNC_WRITE", "src": "manager", "dst": "s2",
    ...      "tag": None, "payload": {"epoch": 1, "servers": ["s1", "s2"], "entries": []}}
    >>> j.commit({"node": "c4"}, [m], ['{"lamport":3}'], None)
    >>> j.change(), j.sent("SYNC_WRITE", "s2", 1)["id"], j.lines()
    ({'node': 'c4'}, 'manager.3', [(3, '{"lamport":3}')])
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from impl.cluster.durable import open_durable


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_durable(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "dst TEXT NOT NULL, epoch INTEGER NOT NULL, message TEXT NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS trace (lamport INTEGER PRIMARY KEY, line TEXT NOT NULL)"
        )
        self.commits = 0

    def commit(
        self,
        change: dict[str, Any] | None,
        sent: list[dict[str, Any]],
        lines: list[str],
        installed: tuple[int, list[str]] | None,
        done_intent: bool = False,
    ) -> None:
        """One step: the change as it is now, the messages it sends (as
        `Message.to_json()`), its trace lines and the configuration it installed;
        `done_intent`: the step finished the intent (a join's change is started)."""
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('change', ?)", (json.dumps(change),))
            cur.executemany(
                "INSERT OR REPLACE INTO outbox VALUES (?, ?, ?, ?, ?)",
                [
                    (m["id"], m["kind"], m["dst"], m["payload"]["epoch"], json.dumps(m))
                    for m in sent
                ],
            )
            cur.executemany(
                "INSERT OR REPLACE INTO trace VALUES (?, ?)",
                [(json.loads(line)["lamport"], line) for line in lines],
            )
            if installed is not None:
                cur.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('installed', ?)",
                    (json.dumps(list(installed)),),
                )
            if done_intent:
                cur.execute("DELETE FROM meta WHERE key = 'intent'")
            cur.execute("COMMIT")
            self.commits += 1

    def set_intent(self, intent: dict[str, Any] | None) -> None:
        """Commit the side effect about to be made (None: it is done)."""
        with self._lock:
            if intent is None:
                self._db.execute("DELETE FROM meta WHERE key = 'intent'")
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('intent', ?)", (json.dumps(intent),)
                )
            self.commits += 1

    def intent(self) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._meta("intent")
        return found

    def _meta(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def change(self) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._meta("change")
        return found

    def installed(self) -> tuple[int, list[str]] | None:
        found = self._meta("installed")
        return None if found is None else (int(found[0]), [str(s) for s in found[1]])

    def sent(self, kind: str, dst: str, epoch: int) -> dict[str, Any] | None:
        """The message of `kind` for epoch `epoch` sent to `dst` (SYNC_READ
        carries the old epoch, SYNC_WRITE the new one), as `Message.to_json()`."""
        with self._lock:
            row = self._db.execute(
                "SELECT message FROM outbox WHERE kind = ? AND dst = ? AND epoch = ?",
                (kind, dst, epoch),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def lines(self) -> list[tuple[int, str]]:
        """Every trace line committed, with its Lamport time, in that order."""
        with self._lock:
            rows = self._db.execute("SELECT lamport, line FROM trace ORDER BY lamport").fetchall()
        return [(int(t), str(line)) for t, line in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _read_meta(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    """Those `meta` values of a journal that another process keeps (decoded),
    or {} without a journal. Opened read-write without creating anything: a
    dead manager's WAL is replayed, as SQLite does."""
    if not path.is_file():
        return {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5.0)
        try:
            marks = ", ".join("?" * len(keys))
            query = f"SELECT key, value FROM meta WHERE key IN ({marks})"
            rows = dict(db.execute(query, keys).fetchall())
        finally:
            db.close()
        return {k: json.loads(v) for k, v in rows.items()}
    except (sqlite3.Error, ValueError):
        return {}  # no tables yet (it died before its first step), or not a journal


def read_progress(path: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(change, intent) from the journal of a manager that is not running, for
    `check cluster status`; (None, None) without a journal."""
    found = _read_meta(path, ("change", "intent"))
    return found.get("change"), found.get("intent")


def read_installed(path: Path) -> tuple[int, list[str]] | None:
    """The newest configuration a manager's journal has installed, for a
    client starting a phase (impl/cluster/config_lock.py); None when there is
    none yet or the journal cannot be read (cluster.json then speaks)."""
    installed = _read_meta(path, ("installed",)).get("installed")
    try:
        return None if installed is None else (int(installed[0]), [str(s) for s in installed[1]])
    except (TypeError, ValueError, IndexError):
        return None


def describe(change: dict[str, Any] | None, intent: dict[str, Any] | None) -> str:
    """One line for a change in progress, or "" when there is none.

    >>> describe({"node": "c4", "joining": True, "to": {"epoch": 1, "servers": ["s1", "c4"]},
    ...           "step": "sync-write", "acks": ["s1"]}, None)
    'change in progress: c4 joins, epoch 1, sync-write (acked: s1)'
    >>> describe(None, {"do": "join", "node": "c5", "epoch": 2})
    'change in progress: starting c5 as a joiner at epoch 2'
    """
    if change is not None:
        verb = "joins" if change["joining"] else "leaves"
        answered = change.get("acks" if change["step"] == "sync-write" else "read_from") or []
        said = "acked" if change["step"] == "sync-write" else "read from"
        return (
            f"change in progress: {change['node']} {verb}, epoch {change['to']['epoch']}, "
            f"{change['step']} ({said}: {', '.join(answered) or 'none yet'})"
        )
    if intent is None:
        return ""
    node, epoch = intent["node"], intent["epoch"]
    if intent["do"] == "join":
        return f"change in progress: starting {node} as a joiner at epoch {epoch}"
    return f"retiring {node} (epoch {epoch} installed): deleting its store"
