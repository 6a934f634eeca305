"""The process tree, read from Linux's /proc, for tests that check what a
command started has ended: children, descendants, and waits for both."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command, or None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # "pid (command) state ppid ...": spaces in command


def running(pid: int) -> bool:
    """Whether `pid` runs: a zombie has ended, only its parent's wait is left."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int) -> list[int]:
    """The running processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(entry)
            if fields is not None and int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def wait_for_descendants(pid: int, count: int, seconds: float) -> list[int]:
    """`pid`'s descendants once there are `count` of them, or after `seconds`."""
    deadline = time.monotonic() + seconds
    found = descendants(pid)
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        found = descendants(pid)
    return found


def wait_until_gone(pids: list[int], seconds: float) -> list[int]:
    """Those of `pids` still running after up to `seconds`."""
    deadline = time.monotonic() + seconds
    left = [p for p in pids if running(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if running(p)]
    return left


def kill_all(pids: list[int]) -> None:
    """SIGKILL what still runs of `pids` (a failed test's leftovers)."""
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)
