"""Check each mutant of a protocol's step modules on one configuration.

A mutant is *killed* when the run finds a violation (the property and the
length of the shortest counterexample say how), *crashed* when the mutated
code raises (the model cannot even run: killed too, shown apart), *timed
out* when `max_seconds` stops the run, and *survives* when every property
still holds, unless the protocol's equivalents file lists it with a reason.
Runs go to `jobs` forked processes; each patches its mutant in, runs, and
patches it out, so the parent never runs mutated code.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.explore import explore
from checker.mutate.apply import applied
from checker.mutate.operators import Mutant, mutants_of_source
from checker.native import source_file
from checker.protocol import MutationTargets, ProtocolSpec
from checker.result import CheckResult, Verdict

KILLED, CRASHED, SURVIVED, EQUIVALENT, TIMED_OUT = (
    "killed",
    "crashed",
    "SURVIVED",
    "equivalent",
    "timed out",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    mutant: Mutant
    status: str
    by: str | None = None  # the property that killed it
    length: int | None = None
    states: int = 0
    seconds: float = 0.0
    detail: str | None = None  # the crash, the equivalence reason, or a stale listing

    @property
    def killed(self) -> bool:
        return self.status in (KILLED, CRASHED)


def module_path(module: str) -> str:
    """The module's file as shown in tables: relative to the working
    directory when it lies below it."""
    found = source_file(module)
    try:
        return found.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return module.replace(".", "/") + ".py"


def list_mutants(targets: MutationTargets) -> list[Mutant]:
    """Every mutant of every step module, in module and file order."""
    found: list[Mutant] = []
    for module in targets.modules:
        source = source_file(module).read_text()
        found += mutants_of_source(
            module, module_path(module), source, targets.sends, targets.quorums
        )
    return found


def choose(mutants: list[Mutant], limit: int | None, seed: int) -> list[Mutant]:
    """At most `limit` of them, a seeded sample kept in file order."""
    if limit is None or limit >= len(mutants):
        return mutants
    picked = set(random.Random(seed).sample(range(len(mutants)), limit))
    return [m for i, m in enumerate(mutants) if i in picked]


def _violated(result: CheckResult) -> tuple[str | None, int | None]:
    if result.counterexample is not None:
        return result.counterexample.property_name, result.counterexample.length
    if result.unmet_sometimes:
        return result.unmet_sometimes[0], None
    return None, None


def run_one(
    protocol: ProtocolSpec,
    config: Any,
    mutant: Mutant,
    max_seconds: float | None,
    equivalents: dict[str, str],
    max_states: int | None = None,
) -> Outcome:
    targets = protocol.mutation
    assert targets is not None
    started = time.perf_counter()
    try:
        with applied(mutant, targets.sends, targets.quorums):
            model = protocol.build(config)
            result = explore(model, max_seconds=max_seconds, max_states=max_states)
    except Exception as error:  # the mutated code itself fails: killed
        first = str(error).splitlines()[0] if str(error) else ""
        return Outcome(
            mutant,
            CRASHED,
            seconds=time.perf_counter() - started,
            detail=f"{type(error).__name__}: {first}"[:120],
        )
    stats = result.stats
    reason = equivalents.get(mutant.id)
    if result.verdict is Verdict.INCOMPLETE:
        bound = f"stopped at {result.bound}"
        return Outcome(mutant, TIMED_OUT, states=stats.states, seconds=stats.seconds, detail=bound)
    if result.verdict is Verdict.VERIFIED:
        status = EQUIVALENT if reason is not None else SURVIVED
        return Outcome(mutant, status, states=stats.states, seconds=stats.seconds, detail=reason)
    name, length = _violated(result)
    stale = None if reason is None else "listed as equivalent but killed: remove its entry"
    return Outcome(mutant, KILLED, name, length, stats.states, stats.seconds, stale)


# The work of one `run_all`, set before the pool forks, read by index in the workers.
_WORK: list[tuple[ProtocolSpec, Any, Mutant, float | None, dict[str, str], int | None]] = []


def _run_index(index: int) -> Outcome:
    return run_one(*_WORK[index])


def run_all(
    protocol: ProtocolSpec,
    config: Any,
    mutants: list[Mutant],
    jobs: int,
    max_seconds: float | None,
    equivalents: dict[str, str],
    max_states: int | None = None,
) -> Iterator[Outcome]:
    """Each mutant's outcome, in the order given, computed on `jobs` processes;
    each run bounded by `max_seconds` and `max_states` (a bound: timed out)."""
    _WORK[:] = [(protocol, config, m, max_seconds, equivalents, max_states) for m in mutants]
    try:
        if jobs <= 1 or len(mutants) <= 1:
            for i in range(len(mutants)):
                yield _run_index(i)
            return
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            yield from pool.map(_run_index, range(len(mutants)))
    finally:
        _WORK.clear()


@dataclass(frozen=True, slots=True)
class Totals:
    mutants: int
    killed: int  # crashed included
    crashed: int
    survived: int
    equivalent: int
    timed_out: int

    @property
    def score(self) -> float | None:
        """Killed over the mutants not known to be equivalent."""
        judged = self.mutants - self.equivalent
        return self.killed / judged if judged else None

    @property
    def exit_code(self) -> int:
        if self.survived:
            return 1
        return 3 if self.timed_out else 0


def totals(outcomes: list[Outcome]) -> Totals:
    def count(*statuses: str) -> int:
        return sum(1 for o in outcomes if o.status in statuses)

    return Totals(
        len(outcomes),
        count(KILLED, CRASHED),
        count(CRASHED),
        count(SURVIVED),
        count(EQUIVALENT),
        count(TIMED_OUT),
    )
