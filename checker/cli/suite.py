"""The standard verification suite that `check` runs with no subcommand.

Each part is a function registered here; it prints its own report and returns
an exit code (0 holds, 1 violated, 3 incomplete). A part may take one
argument, the number of processes it may use (`check --jobs`). The suite's exit code is the
worst one: 1 over 3 over 0, so a violation is never hidden by a timeout.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuitePart:
    name: str
    run: Callable[[int], int]  # jobs -> exit code


PARTS: list[SuitePart] = []


def suite_part(name: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register `run` as a part of the standard suite, in import order."""

    def register(run: Callable[..., int]) -> Callable[..., int]:
        takes_jobs = bool(inspect.signature(run).parameters)
        PARTS.append(SuitePart(name, run if takes_jobs else lambda _jobs: run()))
        return run

    return register


def worst_exit_code(codes: list[int]) -> int:
    if 1 in codes:
        return 1
    if 3 in codes:
        return 3
    return max(codes, default=0)
