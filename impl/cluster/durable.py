"""A server's store and epoch in SQLite (WAL, synchronous=FULL): a value is on
disk before the server acknowledges anything that depends on it.

`save` writes only what changed since the last save, in one transaction, so a
server killed at any moment restarts with the state of its last commit: every
reply it sent reflects a committed state. With it goes the reply to a SYNC
request (`replies`, by request id): the manager may send the same request again
(a retransmission after it restarted, or a catch-up racing its own retry), and
the server answers it with the reply it already sent, handling nothing twice.

    >>> import tempfile, pathlib
    >>> d = DurableStore(pathlib.Path(tempfile.mkdtemp()) / "s1.sqlite")
    >>> d.save(State(0, {0: (1, "c1")}, ("s1", "s2", "s3")))
    True
    >>> s = d.load(); s.store[0] = (2, "c2"); d.save(s)
    True
    >>> DurableStore(d.path).load().store
    {0: (2, 'c2')}
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Store = dict[int, tuple[int, str]]


@dataclass(frozen=True)
class State:
    """What a server must not forget: its epoch, its store (None: a joiner that
    has not received its SYNC_WRITE) and the servers of its epoch."""

    epoch: int
    store: Store | None
    servers: tuple[str, ...]


def open_durable(path: Path) -> sqlite3.Connection:
    """A SQLite database whose every commit is on disk when it returns (WAL,
    synchronous FULL), shared by the process's threads, with a `meta` table of
    JSON values by key: a server's store and the manager's journal."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    return db


class DurableStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_durable(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS store "
            "(token INTEGER PRIMARY KEY, version INTEGER NOT NULL, owner TEXT NOT NULL)"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (request TEXT PRIMARY KEY, body BLOB)")
        self._saved: State | None = None
        self.commits = 0

    def empty(self) -> bool:
        return int(self._db.execute("SELECT COUNT(*) FROM meta").fetchone()[0]) == 0

    def load(self) -> State:
        with self._lock:
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            rows = self._db.execute("SELECT token, version, owner FROM store").fetchall()
            has_store = meta.get("has_store") == "1"
            state = State(
                epoch=int(meta["epoch"]),
                store={t: (v, o) for t, v, o in rows} if has_store else None,
                servers=tuple(json.loads(meta["servers"])),
            )
            # the caller mutates what it gets: keep our own copy of what is on disk
            self._saved = State(
                state.epoch, None if state.store is None else dict(state.store), state.servers
            )
            return state

    def reply(self, request: str) -> bytes | None:
        """The reply body committed for request `request` (b"": it had none)."""
        with self._lock:
            row = self._db.execute("SELECT body FROM replies WHERE request = ?", (request,))
            found = row.fetchone()
            return None if found is None else bytes(found[0])

    def save(
        self, state: State, reply: tuple[str, bytes] | None = None, lines: Sequence[str] = ()
    ) -> bool:
        """Commit what differs from the last save, and `reply` (request id, reply
        body) if given, with `lines`, the trace lines of the step that made the
        change (the trace file gets them after the commit: `last_lines` keeps
        the last commit's, for a restart to write them if the kill came first);
        True if anything was written."""
        with self._lock:
            old = self._saved
            old_store = {} if old is None or old.store is None else old.store
            new_store = state.store or {}
            changed = [(t, v, o) for t, (v, o) in new_store.items() if old_store.get(t) != (v, o)]
            gone = [t for t in old_store if t not in new_store]
            if reply is None and (
                old == state
                or (
                    old is not None
                    and not changed
                    and not gone
                    and (old.epoch, old.servers, old.store is None)
                    == (state.epoch, state.servers, state.store is None)
                )
            ):
                return False
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(
                "INSERT INTO store VALUES (?, ?, ?) ON CONFLICT(token) DO UPDATE "
                "SET version=excluded.version, owner=excluded.owner",
                changed,
            )
            cur.executemany("DELETE FROM store WHERE token = ?", [(t,) for t in gone])
            meta = {
                "epoch": str(state.epoch),
                "has_store": "1" if state.store is not None else "0",
                "servers": json.dumps(list(state.servers)),
            }
            cur.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            if reply is not None:
                cur.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", reply)
            cur.execute(
                "INSERT OR REPLACE INTO meta VALUES ('lines', ?)", (json.dumps(list(lines)),)
            )
            cur.execute("COMMIT")
            self.commits += 1
            self._saved = State(
                state.epoch, None if state.store is None else dict(state.store), state.servers
            )
            return True

    def last_lines(self) -> list[str]:
        """The trace lines committed with the last change."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'lines'").fetchone()
        return [] if row is None else [str(line) for line in json.loads(row[0])]

    def close(self) -> None:
        with self._lock:
            self._db.close()
