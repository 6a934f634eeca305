"""Ctrl-C during a long run: the first one stops the exploration cleanly
(the run reports INCOMPLETE with what it measured, exit 3); a second one
interrupts at once, as usual.

    with first_interrupt_stops() as stopped:
        explore(model, should_stop=stopped)

Code far from the command (the suite's process pool) asks `stop_requested()`,
which is true once the innermost active context saw a Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

_active: list[threading.Event] = []


def stop_requested() -> bool:
    """True once a Ctrl-C reached the innermost first_interrupt_stops()."""
    return bool(_active) and _active[-1].is_set()


@contextmanager
def first_interrupt_stops() -> Iterator[Callable[[], bool]]:
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop.is_set  # signals reach only the main thread
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\ninterrupted: stopping; Ctrl-C again to abort at once", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    _active.append(stop)
    try:
        yield stop.is_set
    finally:
        _active.remove(stop)
        signal.signal(signal.SIGINT, previous)
