"""One lock, for every process of a cluster, around the installed configuration.

The specification installs a configuration in one step, and a client phase
uses the configuration installed when it starts. `check trace DIR` merges the
processes' traces by the host's monotonic clock, so the manager's install
(its trace line stamped, its journal commit) and a client's phase start (the
installed configuration read, its trace line stamped) must not interleave:
each holds this lock, an flock on DIR/run/config.lock. A client reads the
configuration from the manager's journal as well as cluster.json: the journal
has the install once its step commits, while cluster.json is written after
(a manager killed in between, or a client's watcher not yet awake, would
otherwise let a phase start in the old epoch after the install's line)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TextIO


class ConfigLock:
    """A reentrant lock held across processes (flock) and threads (RLock).
    `on_acquire` runs each time the flock is taken, under it."""

    def __init__(self, path: Path, on_acquire: Callable[[], None] | None = None) -> None:
        self.path = path
        self.on_acquire = on_acquire
        self._threads = threading.RLock()
        self._depth = 0
        self._file: TextIO | None = None

    def __enter__(self) -> ConfigLock:
        self._threads.acquire()
        try:
            if self._depth == 0:
                if self._file is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = open(self.path, "a")
                fcntl.flock(self._file, fcntl.LOCK_EX)
                try:
                    if self.on_acquire is not None:
                        self.on_acquire()
                except BaseException:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
                    raise
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
