"""Pause the cyclic garbage collector while building or checking a history.

Histories are hundreds of thousands of small acyclic objects: every young
collection walks them all again, which doubled the time of a 100,000-operation
check (measured: 5.0 s with collections, 2.6 s without, on the same input).
Reference counting still frees everything; the collector runs again after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
