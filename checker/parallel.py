"""`explore` on N processes: a hash-partitioned, level-synchronous BFS.

    from checker.parallel import explore_parallel
    result = explore_parallel(model, workers=2)   # same CheckResult as explore()

Each worker process holds one `checker.shard.Shard`: its part of the visited
set and of the frontier. A level is a few rounds of messages through this
coordinator (see `checker.shard` for the rounds); only fingerprints, keys
and ids travel, and the few states moved to keep the shards' frontiers even.
The coordinator numbers each level's new states by key, which is
the one-process engine's order, and keeps the parent and action index per
id: counts, verdicts and counterexamples are those of `checker.explore`
(tests compare them). Progress is checked afterwards on the shards
(`checker.progress_shards`): each state's home holds the fair edges into it,
and this coordinator only routes the rounds' marks and gathers the verdict.

Workers are forked, so every process computes the same `hash(state)`
(a forked child keeps its parent's hash seed and object addresses; on
Python 3.11 hash(None) is an address). Where fork does not exist the run
stays in one process. `exact` mode is one process only: the shards route
and compare fingerprints.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import signal
import sys
import time
import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain, count, repeat
from multiprocessing.connection import Connection, wait
from operator import and_, rshift
from typing import Any, cast

from checker.coverage import declared_kinds, summarize
from checker.errors import NondeterministicModel, WorkerLost, how_it_ended
from checker.explore import _bound_reached, _check_bound, _fill, _fingerprint, explore
from checker.lifeline import die_with_parent
from checker.model import PROGRESS, Model, collision_factor, has_liveness, has_symmetry
from checker.progress_shards import Caller, find_on_shards
from checker.replay import rebuild
from checker.result import CheckResult, Counterexample, Stats, Verdict
from checker.shard import (
    ACTION_BITS,
    ACTION_MASK,
    BALANCE_TOLERANCE,
    Shard,
    Violation,
    balance,
    plan_moves,
    route,
    split_key,
)
from checker.spill import ParentLinks, SpillMode

_POLL = 0.2  # seconds between looks at the clock while workers compute
CLOSE_GRACE = 2.0  # seconds the workers have to exit once closed


class Pool:
    """Calls a Shard method on every worker and gathers the answers."""

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Interrupted(Exception):
    """The clock or should_stop ended a level."""


class ForkPool(Pool):
    """One forked process per shard, a pipe each. It keeps the CPU seconds
    each call took in each worker: `cpu[method][k]`, and `critical`, the sum
    over calls of the slowest worker's, which is the workers' share of the
    wall time on idle cores (the benchmark prints it)."""

    def __init__(self, shards: list[Shard], poll: Callable[[], None]) -> None:
        context = multiprocessing.get_context("fork")
        self.stop = context.Event()
        self.poll = poll
        self.conns: list[Connection] = []
        self.procs = []
        parent = os.getpid()
        for shard in shards:
            ours, theirs = context.Pipe()
            args = (shard, theirs, self.stop, parent)
            proc = context.Process(target=_serve, args=args, daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(ours)
            self.procs.append(proc)
        self.cpu: dict[str, list[float]] = {}
        self.critical = 0.0

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        for k, (conn, a) in enumerate(zip(self.conns, args, strict=True)):
            try:
                conn.send((method, a))
            except OSError:  # a broken pipe: the worker is gone
                raise self._lost(k) from None
        answers: dict[int, Any] = {}
        spent = self.cpu.setdefault(method, [0.0] * len(self.conns))
        slowest = 0.0
        while len(answers) < len(self.conns):
            ready = wait([c for i, c in enumerate(self.conns) if i not in answers], _POLL)
            for got in ready:
                sender = cast(Connection, got)
                k = self.conns.index(sender)
                try:
                    ok, value, cpu = sender.recv()
                except (EOFError, OSError):  # killed: the OOM killer, a signal
                    raise self._lost(k) from None
                if not ok:
                    raise RuntimeError(f"a worker failed:\n{value}")
                answers[k] = value
                spent[k] += cpu
                slowest = max(slowest, cpu)
            try:
                self.poll()
            except Interrupted:
                self.stop.set()  # the shards stop expanding; their answers still come
        self.critical += slowest
        return [answers[i] for i in range(len(self.conns))]

    def _lost(self, k: int) -> WorkerLost:
        proc = self.procs[k]
        proc.join(timeout=CLOSE_GRACE)  # its exit code says how it ended
        return WorkerLost(k, proc.pid, how_it_ended(proc.exitcode))

    def close(self) -> None:
        # After an error or a SIGTERM a level may be under way: cut it short.
        # A worker blocked sending its answer never reads the None; after
        # CLOSE_GRACE it is terminated (an idle one has exited by then).
        self.stop.set()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        deadline = time.monotonic() + CLOSE_GRACE
        for proc in self.procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
                proc.join()


def _serve(shard: Shard, conn: Connection, stop: Any, parent: int) -> None:
    die_with_parent(parent)  # a coordinator killed outright leaves no orphan computing
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl-C
    # No cyclic collector in a worker (see checker.nogc); what the parent
    # left is frozen, so nothing walks it.
    gc.freeze()
    gc.disable()
    shard.stop = stop.is_set
    while True:
        started = time.process_time()  # waiting in recv costs no CPU
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        method, args = message
        try:
            answer = getattr(shard, method)(*args)
        except Exception:
            conn.send((False, traceback.format_exc(), 0.0))
            continue
        conn.send((True, answer, time.process_time() - started))


def explore_parallel(
    model: Model[Any, Any],
    *,
    workers: int,
    max_states: int | None = None,
    max_seconds: float | None = None,
    max_memory: int | None = None,
    liveness: bool = True,
    on_progress: Callable[[Stats], None] | None = None,
    exact: bool = False,
    should_stop: Callable[[], bool] | None = None,
    pool_factory: Callable[[list[Shard], Callable[[], None]], Pool] | None = None,
    fingerprint: Callable[[Any], int] = hash,
    symmetry: bool = False,
    spill: SpillMode = "never",
) -> CheckResult:
    """`checker.explore.explore` on `workers` processes; same arguments, same
    result. One worker, exact mode, or no fork: the one-process engine.
    `max_memory` bounds the coordinator's peak memory (a worker's is not
    visible to it while the worker runs). `spill`: as in `explore`; the
    parent links live with the coordinator, and spill from there.

    `symmetry`: as in `explore`, states are routed and deduplicated by the
    fingerprint of their canonical form, and a shard keeps the concrete
    state first reached (the smallest key wins), so the classes, ids,
    counts and counterexamples are the one-process engine's. With a
    `fingerprint` other than `hash`, the canonical form must itself be the
    same in every process: the model's `canonical_by(fingerprint)` gives
    it (a form chosen by `hash`, as the token model's `canonical`, is not
    the same across interpreters)."""
    _check_bound("max_states", max_states)
    _check_bound("max_seconds", max_seconds)
    _check_bound("max_memory", max_memory)
    one_process = dict(
        max_states=max_states,
        max_seconds=max_seconds,
        max_memory=max_memory,
        liveness=liveness,
        on_progress=on_progress,
        exact=exact,
        should_stop=should_stop,
        symmetry=symmetry,
        spill=spill,
    )
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or exact or (pool_factory is None and not forkable):
        return explore(model, **one_process)  # type: ignore[arg-type]
    canonical: Callable[[Any], Any] | None = (
        model.canonical if symmetry and has_symmetry(model) else None  # type: ignore[attr-defined]
    )
    expanding: Callable[[Any], None] | None = None
    if canonical is not None:
        if fingerprint is hash:
            # The model's incremental canonical hash, as in one process: each
            # shard names the state it expands (`Shard.expanding`). Not for
            # Ray's stable fingerprint, which the model's hint does not serve.
            expanding = getattr(model, "expanding", None)
            canonical_hash = getattr(model, "canonical_hash", None)
            fingerprint = _fingerprint(False, canonical, canonical_hash, expanding is not None)
        else:
            fingerprint = CanonicalFingerprint(model, fingerprint)
    coordinator = _Coordinator(
        model,
        workers,
        max_states,
        max_seconds,
        liveness,
        on_progress,
        should_stop,
        fingerprint,
        ParentLinks(spill, max_memory),
    )
    coordinator.canonical = canonical
    coordinator.expanding = expanding
    coordinator.memory_cap = max_memory if max_memory is not None else sys.maxsize
    return coordinator.run(pool_factory or ForkPool, one_process)


class _Coordinator:
    def __init__(
        self,
        model: Model[Any, Any],
        workers: int,
        max_states: int | None,
        max_seconds: float | None,
        liveness: bool,
        on_progress: Callable[[Stats], None] | None,
        should_stop: Callable[[], bool] | None,
        fingerprint: Callable[[Any], int],
        links: ParentLinks,
    ) -> None:
        self.model = model
        self.workers = workers
        self.max_states = max_states
        self.max_seconds = max_seconds
        self.limit = max_states if max_states is not None else sys.maxsize
        self.liveness = liveness and has_liveness(model)
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.fingerprint = fingerprint
        self.started = time.perf_counter()
        self.deadline = self.started + max_seconds if max_seconds is not None else math.inf
        self.stats = Stats()
        self.links = links  # parent id and action index per id, maybe spilled by level
        self.parent = self.links.parent
        self.via = self.links.via
        self.transitions = 0
        self.level = 0
        self.last_report = self.started
        self.stopped_by: str | None = None
        self.memory_cap = sys.maxsize
        self.canonical: Callable[[Any], Any] | None = None
        self.expanding: Callable[[Any], None] | None = None  # the shards' hint
        self.kinds: Counter[Any] = Counter()
        checked = [p.name for p in model.invariants] + [p.name for p in model.step_properties]
        checked += [p.name for p in model.sometimes]
        self.checked = tuple(checked) + ((PROGRESS,) if self.liveness else ())

    def poll(self) -> None:
        now = time.perf_counter()
        bound = _bound_reached(
            now, self.deadline, self.max_seconds, self.should_stop, self.memory_cap
        )
        if bound is not None:
            self.stopped_by = bound
        if self.on_progress is not None and now - self.last_report >= 0.5:
            self.last_report = now
            self.on_progress(self._stats(len(self.parent), self.transitions, self.level))
        if self.stopped_by is not None:
            raise Interrupted

    def _stats(self, states: int, transitions: int, depth: int) -> Stats:
        spread = collision_factor(self.model) if self.canonical is not None else 1.0
        _fill(self.stats, states, transitions, depth, self.started, False, spread)
        return self.stats

    def finish(
        self, verdict: Verdict, states: int, transitions: int, depth: int, **fields: Any
    ) -> CheckResult:
        stats = self._stats(states, transitions, depth)
        stats.frontier = 0
        coverage = summarize(self.kinds, declared_kinds(self.model))
        reductions = ("symmetry",) if self.canonical is not None else ()
        return CheckResult(
            verdict, stats, checked=self.checked, coverage=coverage, reductions=reductions, **fields
        )

    def gather_kinds(self, pool: Pool, last_sid: int | None) -> None:
        """Action coverage as the one-process engine counts it: every state
        expanded, up to `last_sid` in the level under way."""
        self.kinds = Counter()
        for kinds in pool.call("coverage", [(last_sid,)] * self.workers):
            self.kinds.update(kinds)

    def run(
        self,
        pool_factory: Callable[[list[Shard], Callable[[], None]], Pool],
        one_process: dict[str, Any],
    ) -> CheckResult:
        model = self.model
        shards = [
            Shard(model, k, self.workers, self.liveness, self.fingerprint, self.expanding)
            for k in range(self.workers)
        ]
        # Level 0 here, as the one-process engine does it; anything unusual
        # there (a violation, a bound) is left to that engine.
        seen: set[int] = set()
        for index, state in enumerate(model.initial_states()):
            fp = self.fingerprint(state)
            if fp in seen:
                continue
            if len(seen) >= self.limit or any(p.check(state) for p in model.invariants):
                return explore(model, **one_process)
            sid = len(seen)
            seen.add(fp)
            self.parent.append(-1)
            self.via.append(index)
            shards[route(fp, self.workers)].seed(fp, sid, state)
        pool = pool_factory(shards, self.poll)
        try:
            return self._levels(pool, len(seen), shards)
        except Interrupted:
            bound = self.stopped_by or "interrupted"
            self.gather_kinds(pool, None)
            return self.finish(
                Verdict.INCOMPLETE, len(self.parent), self.transitions, self.level, bound=bound
            )
        finally:
            try:
                pool.close()
            finally:
                self.links.close()  # the spill files go, whatever ended the run

    def _levels(self, pool: Pool, frontier: int, shards: list[Shard]) -> CheckResult:
        n = self.workers
        met: set[str] = set()
        # Sometimes properties met by the initial states (the shards' seeds).
        for shard in shards:
            met |= {p.name for p in self.model.sometimes} - {name for name, _ in shard.unmet}
        step = pool.call("expand", [()] * n)
        # Per source, each owner's ids for the candidates it sent the level
        # before: its fair edges are resolved one level late, in `resolve`.
        answers: list[list[Any]] = [[] for _ in range(n)]
        while True:
            self.poll()
            expanded = step
            if any(stopped for *_, stopped in expanded):
                raise Interrupted
            level_transitions = sum(sum(counts) for _, _, _, counts, _ in expanded)
            step_violation = _first([v for _, v, _, _, _ in expanded])
            incoming = [[expanded[s][0][d] for s in range(n)] for d in range(n)]
            resolved = pool.call("resolve", [(incoming[d], answers[d]) for d in range(n)])
            # The level before's fair edges go to their homes with `accept`.
            fair = [[r[2][h] if r[2] is not None else None for r in resolved] for h in range(n)]
            won = [sum(len(resolved[d][0][s]) for d in range(n)) for s in range(n)]
            moves = balance(won, BALANCE_TOLERANCE)
            accepted = pool.call(
                "accept",
                [([resolved[d][0][s] for d in range(n)], moves[s], fair[s]) for s in range(n)],
            )
            for _, _, unmet_names, _ in accepted:
                met |= {p.name for p in self.model.sometimes} - set(unmet_names)
            # Keys name distinct transitions, so they are unique across shards;
            # everything per new state below runs in C (map, zip, sorted).
            merged = sorted(chain.from_iterable(keys for keys, *_ in accepted))
            base = len(self.parent)
            event = self._first_event(step_violation, accepted, merged, base, expanded)
            if event is not None:
                self.gather_kinds(pool, self.event_sid)
                return event()
            position = dict(zip(merged, count(base)))
            source_ids = [array("q", map(position.__getitem__, a[0])) for a in accepted]
            owner_ids = [array("q", map(position.__getitem__, r[1])) for r in resolved]
            moved: list[list[tuple[array[int], bytes]]] = [[] for _ in range(n)]
            for s, (_, _, _, batches) in enumerate(accepted):
                ids = source_ids[s]
                for d, chosen in enumerate(plan_moves(len(ids), moves[s])):
                    moved[d].append((array("q", [ids[p] for p in chosen]), batches[d]))
            self.parent.extend(map(rshift, merged, repeat(ACTION_BITS)))
            self.via.extend(map(and_, merged, repeat(ACTION_MASK)))
            self.transitions += level_transitions
            frontier = len(merged)
            self.links.level_done()  # maybe move the links so far to disk
            settle = [(owner_ids[d], source_ids[d], moved[d]) for d in range(n)]
            if not frontier:
                break
            self.level += 1
            stepped = pool.call("next_level", settle)
            step = [expansion for _, expansion in stepped]
            if self.liveness:
                answers = [[stepped[o][0][s] for o in range(n)] for s in range(n)]
        if self.liveness:
            settled = pool.call("settle", settle)
            last = pool.call("fair_edges", [([settled[o][s] for o in range(n)],) for s in range(n)])
            pool.call("progress", [("take", [b[h] for b in last]) for h in range(n)])
        self.gather_kinds(pool, None)
        unmet = {p.name for p in self.model.sometimes} - met
        states = len(self.parent)
        if unmet:
            names = tuple(p.name for p in self.model.sometimes if p.name in unmet)
            return self.finish(
                Verdict.VIOLATED, states, self.transitions, self.level, unmet_sometimes=names
            )
        if self.liveness:
            cex = self._progress(pool)
            if cex is not None:
                return self.finish(
                    Verdict.VIOLATED, states, self.transitions, self.level, counterexample=cex
                )
        return self.finish(Verdict.VERIFIED, states, self.transitions, self.level)

    def _progress(self, pool: Pool) -> Counterexample | None:
        """Progress, checked on the shards (`checker.progress_shards`); the
        counterexample is rebuilt here from the parent links."""
        n = self.workers

        def call(step: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
            return pool.call("progress", [(step, *a) for a in args])

        def successors(sid: int) -> list[int]:
            """The ids of the fair successors of state `sid`, in action
            order, as the shard that expanded it recorded them."""
            model = self.model
            state = rebuild(model, self.parent, self.via, sid)[-1].state
            fps = [
                self.fingerprint(model.next_state(state, action))
                for action in model.actions(state)
                if model.is_fair(state, action)
            ]
            owners = [route(fp, n) for fp in fps]
            asked = [[fp for fp, o in zip(fps, owners, strict=True) if o == k] for k in range(n)]
            found = [iter(ids) for ids in pool.call("ids_of", [(a,) for a in asked])]
            return [cast(int, next(found[o])) for o in owners]

        return find_on_shards(
            self.model, Caller(call, n), successors, self.parent, self.via, self.canonical
        )

    def _first_event(
        self,
        step: Violation,
        accepted: list[Any],
        merged: list[int],
        base: int,
        expanded: list[Any],
    ) -> Callable[[], CheckResult] | None:
        """A violation or the state bound in this level, as the one-process
        engine would meet it first (its result, once coverage is gathered
        up to `event_sid`), or None."""
        invariant = _first([violation for _, violation, _, _ in accepted])
        new_keys = merged
        limit_key = None
        if base + len(merged) > self.limit:
            limit_key = new_keys[self.limit - base]
        # In one process, at one transition: the step property first, then
        # the invariant of the new state, then (for a new state) the bound.
        candidates: list[tuple[int, int, str]] = []
        if step is not None:
            candidates.append((step[0], 0, "step"))
        if invariant is not None:
            candidates.append((invariant[0], 1, "invariant"))
        if limit_key is not None:
            candidates.append((limit_key, 2, "limit"))
        if not candidates:
            return None
        key, _, kind = min(candidates)
        sid, ai = split_key(key)
        self.event_sid = sid
        transitions = self.transitions + self._enabled_before(sid, expanded) + ai + 1
        earlier = _count_below(new_keys, key)
        if kind == "limit":
            return lambda: self.finish(
                Verdict.INCOMPLETE,
                self.limit,
                transitions,
                self.level + 1,
                bound=f"max_states={self.max_states}",
            )
        violation = step if kind == "step" else invariant
        assert violation is not None
        _, name, detail = violation
        steps = rebuild(self.model, self.parent, self.via, sid, (ai,))
        cex = Counterexample(name, detail, steps)
        if kind == "invariant":
            if self.model.invariants and all(
                p.check(steps[-1].state) is None for p in self.model.invariants
            ):
                raise NondeterministicModel(
                    f"replaying the path to a violation of {name} gave a state that "
                    "satisfies it; the model's actions or successors are not deterministic"
                )
            earlier += 1
        return lambda: self.finish(
            Verdict.VIOLATED, base + earlier, transitions, self.level + 1, counterexample=cex
        )

    def _enabled_before(self, sid: int, expanded: list[Any]) -> int:
        return sum(
            c
            for _, _, sids, counts, _ in expanded
            for s, c in zip(sids, counts, strict=True)
            if s < sid
        )


class CanonicalFingerprint:
    """`key` of a state's canonical form, by the model's `canonical_by(key)`,
    for shards in other interpreters (Ray). It pickles as the model and the
    key and builds the canonical form again where it arrives: the forms are
    closures, which do not pickle when compiled (checker.native)."""

    def __init__(self, model: Model[Any, Any], key: Callable[[Any], int]) -> None:
        self.model, self.key = model, key
        self.fingerprint = _fingerprint(False, *_canonical_by(model, key))

    def __call__(self, state: Any) -> int:
        found: int = self.fingerprint(state)
        return found

    def __reduce__(self) -> tuple[type[CanonicalFingerprint], tuple[Any, ...]]:
        return (CanonicalFingerprint, (self.model, self.key))


def _canonical_by(
    model: Model[Any, Any], key: Callable[[Any], int]
) -> tuple[Callable[[Any], Any], Callable[[Any], int]]:
    by = getattr(model, "canonical_by", None)
    if not callable(by):
        raise ValueError(
            f"{model.name} offers no canonical_by(key): its canonical form may differ"
            " between processes; explore it without symmetry, or on local workers"
        )
    found: tuple[Callable[[Any], Any], Callable[[Any], int]] = by(key)
    return found


def _first(violations: list[Violation]) -> Violation:
    found = [v for v in violations if v is not None]
    return min(found) if found else None


def _count_below(sorted_keys: list[int], key: int) -> int:
    from bisect import bisect_left

    return bisect_left(sorted_keys, key)
