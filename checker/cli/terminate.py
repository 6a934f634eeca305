"""SIGTERM and SIGHUP end a command as a second Ctrl-C does: at once, but
through every `finally` on the way out, so that the worker processes stop
and the spill files go. Without this, Python dies on the spot: `timeout`,
`kill` or a closed terminal left the suite's runs and a run's shard
workers computing, orphaned, and the spill files on disk.

The exit code is 128 + the signal's number (143 for SIGTERM), as a shell
reports a process the signal killed. A second signal kills at once.
Installed by the `check` executable (`checker.cli.entry`), not by
`checker.cli.main`, so that tests calling `main` in-process keep pytest's
own handling.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from types import FrameType
from typing import NoReturn

TERMINATING = (signal.SIGTERM, signal.SIGHUP)

_installed_by: int | None = None  # the pid that installed the handler
_received: int | None = None  # the signal that ended this process, once one has


def received() -> int | None:
    """The terminating signal received, if any: code in between may turn
    our SystemExit into its own (Ray's wait raises SystemExit(1)), so the
    executable's exit code is decided from this (`checker.cli.entry`)."""
    return _received


def exit_on_terminate() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit(128 + signal) in this process
    (forked workers inherit it, and exit quietly)."""
    global _installed_by
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach only the main thread
    _installed_by = os.getpid()
    for signum in TERMINATING:
        signal.signal(signum, _on_terminate)


def _on_terminate(signum: int, frame: FrameType | None) -> NoReturn:
    global _received
    _received = signum
    signal.signal(signum, signal.SIG_DFL)  # a second one kills at once
    if os.getpid() == _installed_by:  # not in every forked worker too
        name = signal.Signals(signum).name
        # After SIGHUP the terminal may be gone: the cleanup matters, not the line.
        with contextlib.suppress(OSError):
            print(f"\n{name}: stopping the workers and removing temporary files", file=sys.stderr)
    raise SystemExit(128 + signum)
