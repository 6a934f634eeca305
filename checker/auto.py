"""How many processes a run gets when the user does not say: one for a
small run, every core for a large one, decided early.

    from checker.auto import explore_auto
    result = explore_auto(model)        # same CheckResult as explore(model)

The rule: the run starts in one process. If it ends (verified, violated, or
a bound) within `PROBE_SECONDS` (2) of CPU time, that is the answer: a small
run pays nothing for workers (forking, a round trip per level). If it is
still going then, it is stopped and run again from the start on every core
(`checker.parallel`, which gives the same answer). At most `PROBE_SECONDS`
of CPU are thrown away, and only by runs that last longer than that anyway.
CPU time, not wall time: on a loaded machine a small run takes longer by
the clock, and should not be sent to cores that are busy. With one core,
or `exact`, it stays in one process.

Why restart rather than hand the one-process run over: the partitioned
engine would need the visited set split by owner, the frontier, the parent
links and the fair edges moved into the workers, for a saving of at most a
second.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from checker.explore import explore
from checker.model import Model
from checker.parallel import explore_parallel
from checker.result import CheckResult, Verdict
from checker.spill import SpillMode

# Measured on the token protocol (README "Performance and scale"): two
# workers run about 1.3 times as fast as one process, so a restart after
# p seconds pays off only for runs longer than about 4p. S3a and F2 take
# 1.2 to 1.6 CPU s in one process, under a 2-second probe even on a slow
# hour; S3m (6 s) breaks about even, R2 (67 s) gains.
PROBE_SECONDS = 2.0


def available_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def explore_auto(
    model: Model[Any, Any],
    *,
    cores: int | None = None,
    probe_seconds: float = PROBE_SECONDS,
    on_choice: Callable[[int], None] | None = None,
    spill: SpillMode = "never",
    **options: Any,
) -> CheckResult:
    """`explore(model, **options)` in one process if it ends within
    `probe_seconds` of CPU time, else `explore_parallel` on `cores` workers (default:
    every available core); `on_choice` is told the number of workers
    chosen. The result's seconds include the probe. `spill` applies to
    both engines (the partitioned one spills its coordinator's links)."""
    workers = cores if cores is not None else available_cores()
    if workers < 2 or options.get("exact"):
        if on_choice is not None:
            on_choice(1)
        return explore(model, spill=spill, **options)
    started = time.perf_counter()
    cpu_started = time.process_time()
    user_stop: Callable[[], bool] | None = options.get("should_stop")
    probe_over = False

    def stop() -> bool:
        nonlocal probe_over
        if user_stop is not None and user_stop():
            return True
        if time.process_time() - cpu_started >= probe_seconds:
            probe_over = True
            return True
        return False

    result = explore(model, spill=spill, **{**options, "should_stop": stop})
    if not (probe_over and result.verdict is Verdict.INCOMPLETE and result.bound == "interrupted"):
        if on_choice is not None:
            on_choice(1)
        return result
    if on_choice is not None:
        on_choice(workers)
    spent = time.perf_counter() - started
    rest = dict(options)
    if rest.get("max_seconds") is not None:
        rest["max_seconds"] = max(rest["max_seconds"] - spent, 0.0)
    result = explore_parallel(model, workers=workers, spill=spill, **rest)
    result.stats.seconds += spent
    if result.bound is not None and result.bound.startswith("max_seconds="):
        # Name the user's bound, not what was left of it after the probe.
        return _with_bound(result, f"max_seconds={options['max_seconds']}")
    return result


def _with_bound(result: CheckResult, bound: str) -> CheckResult:
    from dataclasses import replace

    return replace(result, bound=bound)
