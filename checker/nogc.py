"""Runs of the engines without Python's cyclic garbage collector.

The collector runs after every 700 net container allocations and walks the
young objects; every so often it walks them all. A search keeps a frontier
of hundreds of thousands of tuples alive and allocates a state per
transition, so the collector kept walking the frontier: in a shard that
also keeps a level's successors, S3a's two shards spent 19.5 CPU s with it
and 12.6 without. States are tuples, which hold no cycles; what a model may
leave in cycles is collected when the run ends and the collector is back.

    @without_cyclic_gc
    def explore(model, ...): ...
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_cyclic_gc(run: Callable[P, R]) -> Callable[P, R]:
    """`run` with the cyclic collector paused, and restored after."""

    @functools.wraps(run)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return run(*args, **kwargs)
        gc.disable()
        try:
            return run(*args, **kwargs)
        finally:
            gc.enable()

    return paused
