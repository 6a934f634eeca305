"""Worker processes that die with their parent.

A forked worker (a shard of `checker.parallel`, a run of the suite's pool)
waits on a pipe to its parent. If the parent is killed outright (SIGKILL,
the out-of-memory killer), the pipe may never report it: a later sibling
inherited the parent's end of it. Such an orphan keeps computing a level
no one will read, then blocks for ever. On Linux the kernel can send the
worker SIGKILL when its parent goes (prctl PR_SET_PDEATHSIG); a worker
holds no file of its own (the spill files are the coordinator's), so
nothing is lost. Elsewhere this does nothing, and a worker still ends at
its pipe's end of file, as before.

    def worker(parent: int) -> None:   # parent: os.getpid() before the fork
        die_with_parent(parent)
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when `parent` (its parent's pid,
    taken before the fork) ends; exit at once if it already has."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no C library to ask: the pipe's end remains
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
