"""Which lines of the step modules a run executes.

A mutant on a line the unmutated run never executes cannot change that
run: `check mutate` reports it as not reached on the configuration (a gap
of the configuration, not of the properties) and does not run it. Python
3.11 has no sys.monitoring, so this is `sys.settrace`, with a line tracer
only in frames of the files asked for; it runs once per configuration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")


def lines_run(files: set[str], run: Callable[[], T]) -> tuple[T, set[tuple[str, int]]]:
    """`run()`'s result and the (file, line) pairs of `files` it executed."""
    hit: set[tuple[str, int]] = set()
    add = hit.add

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            add((frame.f_code.co_filename, frame.f_lineno))
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename in files:
            add((frame.f_code.co_filename, frame.f_lineno))
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        result = run()
    finally:
        sys.settrace(previous)
    return result, hit
