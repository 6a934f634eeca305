"""Runs of any protocol's model that the CLI, the suite, the tests and the
benchmarks share: one configuration, one standard configuration, one mutant.
No click here: these return data, the commands print it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from checker.auto import available_cores, explore_auto
from checker.cli.interrupt import stop_requested
from checker.explore import explore
from checker.lifeline import die_with_parent
from checker.model import PROGRESS, Model
from checker.parallel import explore_parallel
from checker.progress import ProgressLine
from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig
from checker.result import CheckResult, Stats, Verdict
from checker.spill import SpillMode

Progress = Callable[[Stats], None] | None

# In a pool worker: the event the parent sets on Ctrl-C (workers ignore
# SIGINT themselves, so that a Ctrl-C stops their runs cleanly, INCOMPLETE).
_worker_stop: Any = None


def _should_stop() -> bool:
    if _worker_stop is not None:
        return bool(_worker_stop.is_set())
    return stop_requested()


def _worker_init(stop: Any, parent: int) -> None:
    global _worker_stop
    die_with_parent(parent)  # the suite killed outright leaves no run going on
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_stop = stop


def violated_property(result: CheckResult) -> str | None:
    """The property a VIOLATED result names (a sometimes-property if unmet)."""
    if result.counterexample is not None:
        return result.counterexample.property_name
    if result.unmet_sometimes:
        return result.unmet_sometimes[0]
    return None


def check_config(
    protocol: ProtocolSpec,
    config: Any,
    *,
    max_states: int | None = None,
    max_seconds: float | None = None,
    max_memory: int | None = None,
    liveness: bool = True,
    on_progress: Progress = None,
    should_stop: Callable[[], bool] | None = None,
    exact: bool = False,
    workers: int | None = 1,
    engine: str = "local",
    address: str | None = None,
    symmetry: bool = False,
    por: bool = False,
    spill: SpillMode = "never",
) -> tuple[Model[Any, Any], CheckResult]:
    """One configuration's run: on this process (workers 1), on `workers`
    forked processes (with symmetry, as one process), on one or every core
    as `checker.auto` decides (workers None), or on Ray actors
    (`engine="ray"`, one per worker, every core for None). `spill`: when
    the parent links move to disk (`checker.spill`), on every engine."""
    model = protocol.build(config)
    bounds: dict[str, Any] = dict(
        max_states=max_states,
        max_seconds=max_seconds,
        max_memory=max_memory,
        liveness=liveness,
        on_progress=on_progress,
        should_stop=should_stop,
        exact=exact,
    )
    if por and engine == "local":  # one process: the cycle proviso needs every id
        return model, explore(model, symmetry=symmetry, por=True, spill=spill, **bounds)
    if engine == "ray":
        from checker.ray_engine import explore_on_ray

        count = workers if workers is not None else available_cores()
        return model, explore_on_ray(
            model, workers=count, address=address, symmetry=symmetry, spill=spill, **bounds
        )
    if workers is None:
        return model, explore_auto(model, symmetry=symmetry, spill=spill, **bounds)
    if workers <= 1:
        return model, explore(model, symmetry=symmetry, spill=spill, **bounds)
    return model, explore_parallel(model, workers=workers, symmetry=symmetry, spill=spill, **bounds)


@dataclass(frozen=True, slots=True)
class StandardRun:
    protocol: ProtocolSpec
    standard: StandardConfig
    model: Model[Any, Any]
    result: CheckResult

    @property
    def status(self) -> str:
        """'as expected', 'UNEXPECTED', or 'incomplete'."""
        if self.result.verdict is Verdict.INCOMPLETE:
            return "incomplete"
        got = violated_property(self.result)
        return "as expected" if got == self.standard.expected else "UNEXPECTED"

    @property
    def exit_code(self) -> int:
        return {"as expected": 0, "incomplete": 3}.get(self.status, 1)


@dataclass(frozen=True, slots=True)
class MutantRun:
    protocol: ProtocolSpec
    mutant: MutantSpec
    model: Model[Any, Any]
    result: CheckResult

    @property
    def status(self) -> str:
        """'caught', 'SURVIVED', 'WRONG PROPERTY', or 'incomplete'."""
        if self.result.verdict is Verdict.INCOMPLETE:
            return "incomplete"
        got = violated_property(self.result)
        if got is None:
            return "SURVIVED"
        return "caught" if got in self.mutant.caught_by else "WRONG PROPERTY"

    @property
    def exit_code(self) -> int:
        return {"caught": 0, "incomplete": 3}.get(self.status, 1)


def _lookup(name: str) -> ProtocolSpec:
    # Workers receive names, not descriptors: they look the protocol up again.
    from checker.cli.registry import lookup

    return lookup(name)


def _standard_result(
    job: tuple[str, str], on_progress: Progress = None, workers: int = 1
) -> CheckResult:
    protocol = _lookup(job[0])
    config = protocol.standard(job[1]).config
    return check_config(
        protocol,
        config,
        on_progress=on_progress,
        should_stop=_should_stop,
        symmetry=True,
        workers=workers,
    )[1]


def _mutant_result(
    job: tuple[str, str],
    on_progress: Progress = None,
    max_seconds: float | None = None,
    workers: int = 1,
) -> CheckResult:
    protocol = _lookup(job[0])
    mutant = protocol.mutant(job[1])

    def run(liveness: bool) -> CheckResult:
        return check_config(
            protocol,
            protocol.mutant_params(mutant),
            on_progress=on_progress,
            max_seconds=max_seconds,
            should_stop=_should_stop,
            symmetry=True,
            workers=workers,
            liveness=liveness,
        )[1]

    result = run(needs_progress(mutant))
    if result.verdict is Verdict.VERIFIED and not needs_progress(mutant):
        # Not caught by safety: a regression. Run again with Progress, so the
        # report says WRONG PROPERTY where Progress catches it, as it would have.
        result = run(True)
    return result


def needs_progress(mutant: MutantSpec) -> bool:
    """Whether a mutant's run must check Progress: only when Progress may
    catch it. Progress is decided after a complete search, so a mutant
    that a safety property catches stops before it either way; skipping
    the fairness bookkeeping (a call and an edge per transition) changes
    no caught mutant's result, only spares its cost. (One that safety no
    longer catches runs again with Progress: `_mutant_result`.)"""
    return PROGRESS in mutant.caught_by


def run_standards(
    jobs_list: list[tuple[ProtocolSpec, str]], jobs: int, line: ProgressLine | None = None
) -> Iterator[StandardRun]:
    """Each (protocol, standard configuration) run, in order, computed on
    `jobs` processes; `line` shows what is under way meanwhile."""
    names = [(p.name, n) for p, n in jobs_list]
    results = _map(_standard_result, names, jobs, line, "standard")
    for (protocol, name), result in zip(jobs_list, results, strict=True):
        standard = protocol.standard(name)
        yield StandardRun(protocol, standard, protocol.build(standard.config), result)


def run_mutants(
    jobs_list: list[tuple[ProtocolSpec, str]],
    jobs: int,
    line: ProgressLine | None = None,
    max_seconds: float | None = None,
) -> Iterator[MutantRun]:
    """Each (protocol, mutant) catalog run, in order, computed on `jobs`
    processes, each bounded by `max_seconds` if given."""
    work = partial(_mutant_result, max_seconds=max_seconds)
    kind = "mutant" if max_seconds is None else "mutant bounded"  # the suite's runs are unbounded
    names = [(p.name, n) for p, n in jobs_list]
    results = _map(work, names, jobs, line, kind)
    for (protocol, name), result in zip(jobs_list, results, strict=True):
        mutant = protocol.mutant(name)
        yield MutantRun(protocol, mutant, protocol.build(protocol.mutant_params(mutant)), result)


def _map(
    work: Callable[[tuple[str, str], Progress], CheckResult],
    names: list[tuple[str, str]],
    jobs: int,
    line: ProgressLine | None,
    kind: str,
) -> Iterator[CheckResult]:
    started = _started_runs
    if started is not None and all((kind, *name) in started.futures for name in names):
        futures = [started.futures[(kind, *name)] for name in names]
        yield from _collect(futures, names, started.stop, line)
        return
    if jobs <= 1 or len(names) <= 1:
        for name in names:
            yield work(name, line)
        return
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    with _pool(jobs, stop) as pool:
        futures = [pool.submit(work, name, None) for name in names]
        yield from _collect(futures, names, stop, line)


def _pool(jobs: int, stop: Any) -> ProcessPoolExecutor:
    # fork: the workers inherit the loaded modules; results come back in order.
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_worker_init,
        initargs=(stop, os.getpid()),
    )


def _collect(
    futures: list[Future[CheckResult]],
    names: list[tuple[str, str]],
    stop: Any,
    line: ProgressLine | None,
) -> Iterator[CheckResult]:
    started = time.perf_counter()
    for name, future in zip(names, futures, strict=True):
        while True:
            try:
                result = future.result(timeout=0.5)
                break
            except TimeoutError:
                if stop_requested():
                    stop.set()  # the runs under way and the queued ones end INCOMPLETE
                if line is not None:
                    done = sum(f.done() for f in futures)
                    elapsed = time.perf_counter() - started
                    text = (
                        f"waiting for {name[0]} {name[1]}:"
                        f" {done}/{len(names)} runs done, {elapsed:.0f} s"
                    )
                    line.show(text, elapsed)
        yield result


@dataclass(frozen=True, slots=True)
class _StartedRuns:
    stop: Any
    futures: dict[tuple[str, str, str], Future[CheckResult]]


# The standard suite's runs, all started at once (see `start_suite_runs`).
_started_runs: _StartedRuns | None = None


@contextmanager
def start_suite_runs(
    standards: list[tuple[ProtocolSpec, StandardConfig]],
    mutants: list[tuple[ProtocolSpec, MutantSpec]],
    jobs: int,
) -> Iterator[None]:
    """Start every standard configuration and mutant run of the suite on one
    pool of `jobs` processes, the costliest first (longest processing time
    first), so that while the longest run (R2) takes one core the others run
    the rest, mutants included, instead of waiting for the next part. The
    parts still print in their order: `run_standards` and `run_mutants` take
    these results. The cost estimate is the pinned transition count of the
    configuration a run explores (a mutant's config: an upper bound). The
    costliest run, if large, gets every job as its shard workers
    (`suite_workers`)."""
    global _started_runs
    if jobs <= 1 or not (standards or mutants):
        yield
        return
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    pool = _pool(jobs, stop)
    futures: dict[tuple[str, str, str], Future[CheckResult]] = {}
    order = suite_order(standards, mutants)
    for (kind, protocol, name), workers in zip(order, suite_workers(order, jobs), strict=True):
        work = partial(_standard_result if kind == "standard" else _mutant_result, workers=workers)
        futures[(kind, protocol.name, name)] = pool.submit(work, (protocol.name, name), None)
    _started_runs = _StartedRuns(stop, futures)
    try:
        yield
    finally:
        _started_runs = None
        if any(not f.done() for f in futures.values()):
            stop.set()  # a part ended early (Ctrl-C, an error): end what still runs
        pool.shutdown(wait=True, cancel_futures=True)


def suite_order(
    standards: list[tuple[ProtocolSpec, StandardConfig]],
    mutants: list[tuple[ProtocolSpec, MutantSpec]],
) -> list[tuple[str, ProtocolSpec, str]]:
    """The runs ("standard" or "mutant", protocol, name), costliest first;
    equal costs keep the catalog order."""
    planned: list[tuple[int, str, ProtocolSpec, str]] = []
    for protocol, standard in standards:
        planned.append((_cost(standard), "standard", protocol, standard.name))
    for protocol, mutant in mutants:
        planned.append((_cost(protocol.standard(mutant.config)), "mutant", protocol, mutant.name))
    planned.sort(key=lambda p: -p[0])
    return [(kind, protocol, name) for _, kind, protocol, name in planned]


# A run at least this costly (pinned transitions; R2 has 19.3 million) is
# the suite's critical path: it gets `jobs` shard workers (checker.parallel)
# rather than one core, and the other runs share the cores beside it.
SHARE_CORES_ABOVE = 5_000_000


def suite_workers(order: list[tuple[str, ProtocolSpec, str]], jobs: int) -> list[int]:
    """The worker processes of each run of `order` (costliest first): all
    `jobs` for the first when it costs SHARE_CORES_ABOVE or more, else 1."""
    workers = [1] * len(order)
    if order and jobs > 1 and _run_cost(*order[0]) >= SHARE_CORES_ABOVE:
        workers[0] = jobs
    return workers


def _run_cost(kind: str, protocol: ProtocolSpec, name: str) -> int:
    config = name if kind == "standard" else protocol.mutant(name).config
    return _cost(protocol.standard(config))


def _cost(standard: StandardConfig) -> int:
    return standard.transitions or standard.states or 0


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
