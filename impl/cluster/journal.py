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


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
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
    ) -> None:
        """One step: the change as it is now, the messages it sends (as
        `Message.to_json()`), its trace lines and the configuration it installed."""
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
            cur.execute("COMMIT")
            self.commits += 1

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
