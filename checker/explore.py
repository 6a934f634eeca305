"""Breadth-first exhaustive exploration of a model's reachable states.

The engine visits states level by level from the initial states, checking
each new state against the invariants, every transition (also into states
already visited) against the step properties, and remembering which
*sometimes* properties some state met. Because it goes by levels, the first
violation it meets is a shortest one. When the exploration completes, the
liveness check (`checker.liveness`) looks for states that cannot reach
quiescence with fair steps, and for cycles of fair steps that avoid it.

    from checker.explore import explore
    from tests.checker.tiny_models import Grid

    result = explore(Grid(3))
    result.verdict, result.stats.states        # (Verdict.VERIFIED, 16)

How it stays small: a visited state is kept only as its 64-bit fingerprint
(`hash(state)`, as TLC does) in a compact table fingerprint -> state id
(`checker.visited`, 12 bytes a slot); per id, two
compact arrays hold the parent id and the index of the action that reached
it in the parent's `actions(state)` list. Full states live only in the
current and next frontier. A counterexample is rebuilt by walking the parent
links and replaying the action indexes from the initial state
(`checker.replay`), which is why models must enumerate actions
deterministically. The links of completed levels may move to a temporary
file (`spill`, `checker.spill`): a rebuild reads only depth-many of them.
Two distinct states sharing a fingerprint would make the second look
visited; the chance of any such collision is about n**2 / 2**65 for n states
(1e-7 at 2 million), reported as `stats.collision_probability`.
`exact=True` keys the visited set by the states themselves instead: no
collision risk, several times the memory. (CPython's hash(-1) == hash(-2):
keep -1 out of states that also use -2, or use exact mode.)

Results: VERIFIED, VIOLATED with a Counterexample (or with `unmet_sometimes`
and no counterexample when a complete run never met a sometimes property), or
INCOMPLETE with the bound ("max_states=N", "max_seconds=S") that stopped the
run. Incomplete is never a pass.
"""

from __future__ import annotations

import math
import resource
import sys
import time
from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from checker.coverage import declared_kinds, kind_function, summarize
from checker.errors import BadBound, NondeterministicModel
from checker.liveness import FairGraph, find_progress_violation
from checker.model import (
    PROGRESS,
    Model,
    collision_factor,
    has_liveness,
    has_symmetry,
    step_checker,
)
from checker.nogc import without_cyclic_gc
from checker.por import PARTIAL_ORDER, AmpleSets, has_por
from checker.replay import rebuild
from checker.result import CheckResult, Counterexample, Stats, Verdict
from checker.spill import ParentLinks, SpillMode
from checker.visited import FingerprintTable

# How often (in successors generated, not states expanded: one state may
# have thousands) the hot loop looks at the clock, the stop flag and the
# memory: often enough for a 0.5 s progress line, rarely enough to cost nothing.
_POLL_EVERY: Final = 1024
_PROGRESS_PERIOD = 0.5


@without_cyclic_gc
def explore(
    model: Model[Any, Any],
    *,
    max_states: int | None = None,
    max_seconds: float | None = None,
    max_memory: int | None = None,
    liveness: bool = True,
    on_progress: Callable[[Stats], None] | None = None,
    exact: bool = False,
    should_stop: Callable[[], bool] | None = None,
    symmetry: bool = False,
    por: bool = False,
    spill: SpillMode = "never",
) -> CheckResult:
    """Explore every reachable state of `model` breadth-first and check its
    properties.

    - `max_states`: stop (INCOMPLETE, bound "max_states=N") rather than visit
      more than N distinct states; `max_seconds` likewise for wall time,
      `max_memory` for the process's peak resident memory in bytes.
    - `liveness`: after a complete exploration, check Progress (see
      `checker.liveness`); costs one `is_fair` call per transition and a few
      bytes per fair edge.
    - `on_progress`: called with the live Stats about every 0.5 s.
    - `exact`: key visited states by value, not by fingerprint (tests, or
      models whose hashes are poor).
    - `should_stop`: polled with the clock (every ~1,000 successors); when it returns True the run
      stops cleanly, INCOMPLETE with bound "interrupted" (the CLI's Ctrl-C).
    - `symmetry`: when the model offers `canonical` (`has_symmetry`), key the
      visited set by the canonical form, so one state per class is expanded.
      The frontier keeps the concrete state first reached, so every path the
      parent links record is a run of the model as written, and a shortest
      one (a level holds the classes first reached at that depth).
      Properties, fairness and quiescence are the same for every state of a
      class, so the verdicts are unchanged; Progress is decided on the
      quotient graph, which has a stuck class or a fair non-quiescent cycle
      exactly when the full graph has a stuck state or such a cycle (a path
      of classes lifts to a path of states from any state of the first class,
      and a cycle of classes, repeated at most |group| times, to a cycle).
    - `por`: when the model offers ample sets (`checker.por.has_por`),
      expand only an ample set where the conditions allow (`checker.por`
      argues why the invariants, step and sometimes properties keep their
      verdicts). Progress is then not checked (not in `checked`), and a
      counterexample is a shortest one of the reduced graph, maybe longer
      than the full graph's.
    - `spill`: when the parent links (parent id, action index: 8 bytes a
      state) of completed levels move to a temporary file (`checker.spill`):
      "never", "always" (every level) or "auto" (memory running short). The
      file is removed when the run ends, also on an exception; the results
      are the same.

    The order of checks: a step property is checked on each transition, then
    the invariants on the state it reaches if that state is new. A violation
    stops the run at once. Stats.depth is the highest BFS level reached (the
    initial states are level 0). Raises BadBound for a negative bound and
    NondeterministicModel if a recorded path does not replay.
    """
    _check_bound("max_states", max_states)
    _check_bound("max_seconds", max_seconds)
    _check_bound("max_memory", max_memory)
    links = ParentLinks(spill, max_memory)
    try:
        return _explore(
            model,
            links,
            max_states=max_states,
            max_seconds=max_seconds,
            max_memory=max_memory,
            liveness=liveness,
            on_progress=on_progress,
            exact=exact,
            should_stop=should_stop,
            symmetry=symmetry,
            por=por,
        )
    finally:
        links.close()  # the spill files go, whatever ended the run


def _explore(
    model: Model[Any, Any],
    links: ParentLinks,
    *,
    max_states: int | None,
    max_seconds: float | None,
    max_memory: int | None,
    liveness: bool,
    on_progress: Callable[[Stats], None] | None,
    exact: bool,
    should_stop: Callable[[], bool] | None,
    symmetry: bool,
    por: bool,
) -> CheckResult:
    # Progress is opt-in: a model without fairness has no is_fair.
    liveness = liveness and has_liveness(model)
    canonical: Callable[[Any], Any] | None = (
        model.canonical if symmetry and has_symmetry(model) else None  # type: ignore[attr-defined]
    )
    reductions: tuple[str, ...] = ("symmetry",) if canonical is not None else ()
    spread = collision_factor(model) if canonical is not None else 1.0
    reduce = por and has_por(model)
    if reduce:
        reductions += (PARTIAL_ORDER,)
        liveness = False  # POR does not preserve Progress (checker.por)
    started = time.perf_counter()
    stats = Stats()
    inv_checks = tuple((p.name, p.check) for p in model.invariants)
    step_all = step_checker(model)  # every step property in one call, None without any
    unmet = [(p.name, p.check) for p in model.sometimes]
    step_names = tuple(p.name for p in model.step_properties)
    checked = tuple(name for name, _ in inv_checks) + step_names + tuple(n for n, _ in unmet)
    if liveness:
        checked += (PROGRESS,)

    # Exact mode keys a dict by whole states; else the compact fingerprint table.
    seen: dict[Any, int] | FingerprintTable = {} if exact else FingerprintTable()
    parent = links.parent  # parent id per state id; -1 for an initial state
    via = links.via  # action index from the parent (initial-state index for roots)
    quiescent = bytearray()  # per id, when liveness is on
    fair_off = array("i")  # per expanded id: start of its fair edges in fair_dst
    fair_dst = array("i")  # destination ids of fair edges, grouped by source id

    # Action coverage: transitions per kind. A plain dict, not a Counter: the
    # compiled loop then calls dict's own get and set, not a subclass's methods.
    kind_counts: dict[Any, int] = {}

    def finish(verdict: Verdict, transitions: int, depth: int, **fields: Any) -> CheckResult:
        _fill(stats, len(seen), transitions, depth, started, exact, spread)
        stats.frontier = 0
        coverage = summarize(Counter(kind_counts), declared_kinds(model))
        return CheckResult(
            verdict,
            stats,
            checked=checked,
            coverage=coverage,
            reductions=reductions,
            por=ample_sets.stats if ample_sets is not None else None,
            **fields,
        )

    def violation(
        name: str, detail: str, state_id: int, extra: tuple[int, ...], state: Any
    ) -> Counterexample:
        steps = rebuild(model, parent, via, state_id, extra)
        if steps[-1].state != state:
            raise NondeterministicModel(
                f"replaying the path to a violation of {name} gave a different state; "
                "the model's actions or successors are not deterministic"
            )
        return Counterexample(name, detail, steps)

    limit = max_states if max_states is not None else sys.maxsize
    deadline = started + max_seconds if max_seconds is not None else math.inf
    memory_cap = max_memory if max_memory is not None else sys.maxsize

    # Level 0: the initial states, deduplicated, in the model's order.
    frontier: list[Any] = []
    # An incremental canonical hash takes each expanded state as a hint.
    expanding: Callable[[Any], None] | None = (
        getattr(model, "expanding", None) if canonical is not None and not exact else None
    )
    fingerprint = _fingerprint(
        exact, canonical, getattr(model, "canonical_hash", None), expanding is not None
    )
    ample_sets = AmpleSets(model, lambda s: seen.get(fingerprint(s))) if reduce else None
    choose = ample_sets.choose if ample_sets is not None else None
    for index, state in enumerate(model.initial_states()):
        fp = fingerprint(state)
        if fp in seen:
            continue
        if len(seen) >= limit:
            return finish(Verdict.INCOMPLETE, 0, 0, bound=f"max_states={max_states}")
        sid = len(seen)
        seen[fp] = sid
        parent.append(-1)
        via.append(index)
        frontier.append(state)
        if liveness:
            quiescent.append(1 if model.is_quiescent(state) else 0)
        for name, check in inv_checks:
            detail = check(state)
            if detail is not None:
                cex = violation(name, detail, sid, (), state)
                return finish(Verdict.VIOLATED, 0, 0, counterexample=cex)
        if unmet:
            unmet = [(n, c) for n, c in unmet if not c(state)]

    # The hot loop. Everything it touches is a local; the rare paths
    # (violation, bound, progress report) leave through helpers.
    actions = model.actions
    next_state = model.next_state
    # Only called when `live`; the stand-ins keep the locals' types callable.
    is_fair: Callable[[Any, Any], bool] = model.is_fair if liveness else _no_fairness
    is_quiescent: Callable[[Any], bool] = model.is_quiescent if liveness else _no_fairness
    get = seen.get
    par_append = parent.append
    via_append = via.append
    q_append = quiescent.append
    off_append = fair_off.append
    dst_append = fair_dst.append
    live = liveness
    kind_of = kind_function(model)
    n = len(seen)
    transitions = 0
    level = 0
    first_id = 0  # ids are given in BFS order, so a level is a range of ids
    last_report = started
    next_poll = 0  # poll when `transitions` reaches it
    while frontier:
        next_frontier: list[Any] = []
        # The next level's states by fingerprint, in a dict besides the
        # visited table: three successors in four are one of them (diamonds),
        # and a dict answers at C speed. It lives for one level.
        fresh: dict[Any, int] = {}
        if ample_sets is not None:  # the cycle proviso compares ids with the next level's first
            ample_sets.next_level = first_id + len(frontier)
        push = next_frontier.append
        sid = first_id - 1
        for state in frontier:
            sid += 1
            if transitions >= next_poll:
                next_poll = transitions + _POLL_EVERY
                now = time.perf_counter()
                bound = _bound_reached(now, deadline, max_seconds, should_stop, memory_cap)
                if bound is not None:
                    return finish(Verdict.INCOMPLETE, transitions, level, bound=bound)
                if on_progress is not None and now - last_report >= _PROGRESS_PERIOD:
                    last_report = now
                    depth = level + (1 if next_frontier else 0)
                    _fill(stats, n, transitions, depth, started, exact, spread)
                    stats.frontier = len(frontier) - (sid - first_id) + len(next_frontier)
                    on_progress(stats)
            if live:
                off_append(len(fair_dst))
            enabled = actions(state)
            if expanding is not None:
                expanding(state)
            picks = None if choose is None else choose(state, enabled)
            if picks is not None:  # an ample set: expand these (indices into `enabled`)
                enabled = [a for _, a in picks]
            for action in enabled:  # not Counter.update: its Mapping check costs more
                kind = kind_of(action)
                kind_counts[kind] = kind_counts.get(kind, 0) + 1
            inner_poll = _POLL_EVERY
            # By index, not `enumerate(...) if ... else picks`: compiled, that
            # is a generic iterator building an (index, action) tuple a successor.
            for j in range(len(enabled)):
                action = enabled[j]
                ai = j if picks is None else picks[j][0]
                if ai >= inner_poll:  # one state with thousands of successors: poll within it
                    inner_poll += _POLL_EVERY
                    now = time.perf_counter()
                    bound = _bound_reached(now, deadline, max_seconds, should_stop, memory_cap)
                    if bound is not None:
                        return finish(Verdict.INCOMPLETE, transitions + ai, level + 1, bound=bound)
                nxt = next_state(state, action)
                if step_all is not None:
                    found = step_all(state, action, nxt)
                    if found is not None:
                        cex = violation(found[0], found[1], sid, (ai,), nxt)
                        return finish(
                            Verdict.VIOLATED, transitions + ai + 1, level + 1, counterexample=cex
                        )
                fp = fingerprint(nxt)
                nid = fresh.get(fp)  # compiled: dict's own get, no bound method
                if nid is None:
                    nid = get(fp)
                if nid is None:
                    if n >= limit:
                        return finish(
                            Verdict.INCOMPLETE,
                            transitions + ai + 1,
                            level + 1,
                            bound=f"max_states={max_states}",
                        )
                    nid = n
                    n += 1
                    seen[fp] = fresh[fp] = nid
                    par_append(sid)
                    via_append(ai)
                    push(nxt)
                    if live:
                        q_append(1 if is_quiescent(nxt) else 0)
                    if inv_checks:
                        for name, check in inv_checks:
                            detail = check(nxt)
                            if detail is not None:
                                cex = violation(name, detail, nid, (), nxt)
                                return finish(
                                    Verdict.VIOLATED,
                                    transitions + ai + 1,
                                    level + 1,
                                    counterexample=cex,
                                )
                    if unmet:
                        unmet = [(n_, c) for n_, c in unmet if not c(nxt)]
                if live and is_fair(state, action):
                    dst_append(nid)
            transitions += len(enabled)
        first_id += len(frontier)
        links.level_done()  # maybe move the links so far to disk
        frontier = next_frontier
        if frontier:
            level += 1

    if unmet:
        return finish(
            Verdict.VIOLATED, transitions, level, unmet_sometimes=tuple(n_ for n_, _ in unmet)
        )
    if liveness:
        off_append(len(fair_dst))  # sentinel: fair edges of id i are off[i]:off[i+1]
        graph = FairGraph(parent, via, quiescent, fair_off, fair_dst)
        progress_cex = find_progress_violation(model, graph, canonical)
        if progress_cex is not None:
            return finish(Verdict.VIOLATED, transitions, level, counterexample=progress_cex)
    return finish(Verdict.VERIFIED, transitions, level)


def collision_probability(states: int) -> float:
    """The chance that some two of `states` distinct states share a 64-bit
    fingerprint (birthday bound, n**2 / 2**65)."""
    return states * states / 2.0**65


def peak_memory_bytes() -> int:
    """The process's peak resident memory (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _fill(
    stats: Stats,
    states: int,
    transitions: int,
    depth: int,
    started: float,
    exact: bool,
    spread: float = 1.0,
) -> None:
    """`spread`: the model's `collision_factor` under symmetry, else 1."""
    stats.states = states
    stats.transitions = transitions
    stats.depth = depth
    stats.seconds = time.perf_counter() - started
    stats.peak_memory_bytes = peak_memory_bytes()
    stats.collision_probability = 0.0 if exact else spread * collision_probability(states)


def _bound_reached(
    now: float,
    deadline: float,
    max_seconds: float | None,
    should_stop: Callable[[], bool] | None,
    memory_cap: int,
) -> str | None:
    """The bound that stops the run now, if any (polled, never per successor)."""
    if now >= deadline:
        return f"max_seconds={max_seconds}"
    if should_stop is not None and should_stop():
        return "interrupted"
    if peak_memory_bytes() >= memory_cap:
        return f"max_memory={memory_cap // 2**20}MB"
    return None


def _no_fairness(*_: Any) -> bool:
    raise AssertionError("fairness queried with liveness off")


def _identity(state: Any) -> Any:
    return state


def _fingerprint(
    exact: bool,
    canonical: Callable[[Any], Any] | None,
    canonical_hash: Callable[[Any], int] | None,
    incremental: bool = False,
) -> Callable[[Any], Any]:
    """What the visited set is keyed by: the state or its hash, of the
    canonical form when symmetry is on (the model's `canonical_hash`, if it
    offers one: a fingerprint of the class, equal for two states exactly
    when their canonical forms are equal, else hash(canonical(s))).

    With fingerprints, the canonical hash is remembered per concrete
    fingerprint: most successors are concrete states met before (diamonds),
    and a dict lookup costs far less than a canonical form. It costs one
    more dict entry per distinct concrete state met, with the same 64-bit
    collision risk as the visited set. Not for an `incremental` canonical
    hash (the engine calls the model's `expanding` first): that one costs
    less than `hash` itself, since it hashes only the parts a step made."""
    if canonical is None:
        return _identity if exact else hash
    if exact:
        return canonical
    if incremental and canonical_hash is not None:
        return canonical_hash
    rep = canonical
    slow = canonical_hash if canonical_hash is not None else lambda s: hash(rep(s))
    memo: dict[int, int] = {}

    def remembered(state: Any) -> int:
        h = hash(state)
        found = memo.get(h)
        if found is None:
            found = memo[h] = slow(state)
        return found

    return remembered


def _check_bound(name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BadBound(f"{name}={value!r} is not allowed: expected a number >= 0, or None")
