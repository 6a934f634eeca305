"""Seeded random walks of a model: a look deeper than exhaustive search reaches.

Each walk starts at an initial state and takes, up to `depth` times, one
enabled action chosen by a `random.Random(seed)` shared by all walks, so the
same seed gives the same walks. Every invariant is checked on every state
reached and every step property on every step. A walk that breaks a property
is shortened before it is reported (`checker.shorten`): loops cut out, then
steps the violation does not need removed, and the result replayed and
checked again, so the counterexample is a real run of the model.

    from checker.simulate import simulate
    from tests.checker.tiny_models import Counter

    result = simulate(Counter(5), runs=3, depth=10, seed=1)
    result.coverage.distinct_states, result.coverage.deepest      # (6, 5)

A simulation proves nothing: without a violation the verdict is VERIFIED only
in the sense "no violation in these walks", and the CLI says so. INCOMPLETE
means a bound (`max_seconds`, Ctrl-C) stopped it before all walks were done.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter as Tally
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.errors import BadBound
from checker.model import Model, step_checker
from checker.result import CheckResult, Counterexample, Stats, Verdict
from checker.shorten import Violation, shorten

# The clock is read once per walk and every this many steps inside one.
_CLOCK_EVERY = 1024
# The weights a walk may give a kind of action (see choose_swarm).
_WEIGHTS = (0.01, 0.1, 1.0, 1.0, 10.0)
# How to pick the next action: "swarm" (weights per kind of action) or
# "delay" (swarm, and some actions held back for a while; see _Delays), or
# "restart" (delay, and half the walks resume from a state an earlier walk
# reached for the first time, so a rare prefix is reused instead of redrawn).
# "hold" (swarm, and one action held back for a long while; see _HoldOne), or
# "pct" (random priorities and a few demotions; see _Priorities), or
# "swarm-pct" (pct with the priorities skewed by swarm weights per kind), or
# "guided" (walks resumed from a corpus of states that showed rare coverage
# features; see checker.guided).
POLICIES = ("swarm", "delay", "restart", "hold", "pct", "swarm-pct", "guided")
# The pct policy: the bug depths a walk draws from when none is given.
_BUG_DEPTHS = (1, 2, 3, 4, 5)
# The restart policy keeps at most this many states to resume from.
_POOL = 4096
# ... and resumes a walk from one with this chance.
_RESUME = 0.5
# The delay policy: per walk, the chance that a newly enabled action is held,
# and the longest hold in steps, each drawn from these.
_HOLD_CHANCES = (0.1, 0.25, 0.5)
_HOLD_STEPS = (4, 8, 16, 32)


@dataclass(slots=True)
class Coverage:
    """What the walks saw: distinct states (by fingerprint), the deepest walk,
    how often each kind of action was taken, and the kinds that were enabled
    somewhere but never taken."""

    walks: int = 0
    steps: int = 0
    distinct_states: int = 0
    deepest: int = 0
    deadlocks: int = 0  # walks that ended with no action enabled
    taken: dict[str, int] = field(default_factory=dict)
    never_taken: tuple[str, ...] = ()
    features: int | None = None  # the guided policy: coverage features seen (its corpus)


@dataclass(slots=True)
class SimulationResult:
    result: CheckResult
    coverage: Coverage
    # The walk as found, before shortening (its length), when one broke a property.
    found_length: int | None = None


def action_kind(action: Any) -> str:
    """A name for the kind of an action: the string itself, a `name`
    attribute that is a string, or the class name."""
    if isinstance(action, str):
        return action
    name = getattr(action, "name", None)
    return name if isinstance(name, str) else type(action).__name__


def simulate(
    model: Model[Any, Any],
    *,
    runs: int,
    depth: int,
    seed: int = 0,
    max_seconds: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    policy: str = "swarm",
    bug_depth: int | None = None,
) -> SimulationResult:
    """`runs` random walks of at most `depth` steps each; stop at the first
    violation and return it shortened. See the module docstring."""
    for name, value in (("runs", runs), ("depth", depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadBound(f"{name}={value!r} is not allowed: expected an integer >= 0")
    if max_seconds is not None and (not isinstance(max_seconds, int | float) or max_seconds < 0):
        raise BadBound(f"max_seconds={max_seconds!r} is not allowed: expected a number >= 0")
    if policy not in POLICIES:
        raise BadBound(f"policy={policy!r} is not allowed: expected one of {', '.join(POLICIES)}")
    if bug_depth is not None and (
        isinstance(bug_depth, bool) or not isinstance(bug_depth, int) or bug_depth < 1
    ):
        raise BadBound(f"bug_depth={bug_depth!r} is not allowed: expected an integer >= 1")
    if policy == "guided":
        if bug_depth is not None:
            raise BadBound("bug_depth is for the pct policies only, not for policy='guided'")
        # Imported here: checker.guided builds on this module's walks.
        from checker.guided import guided

        return guided(
            model,
            runs=runs,
            depth=depth,
            seed=seed,
            max_seconds=max_seconds,
            should_stop=should_stop,
        )
    walks = Walks(model)
    deadline = walks.started + max_seconds if max_seconds is not None else math.inf
    rng = random.Random(seed)
    initials, cov = walks.initials, walks.cov
    found: Violation | None = None
    bound: str | None = None
    # States to resume from (restart policy): (state, initial index, path).
    pool: list[tuple[Any, int, tuple[int, ...]]] = []
    keep_pool = policy == "restart"
    # pct draws its change points below the mean length of the walks so far.
    walked = 0

    for _ in range(runs):
        if time.perf_counter() >= deadline:
            bound = f"max_seconds={max_seconds}"
            break
        if should_stop is not None and should_stop():
            bound = "interrupted"
            break
        cov.walks += 1
        weights: dict[str, float] = {}
        delays: _Delays | _HoldOne | None = None
        pct: _Priorities | None = None
        if policy in ("pct", "swarm-pct"):
            d = bug_depth if bug_depth is not None else _BUG_DEPTHS[rng.randrange(len(_BUG_DEPTHS))]
            pct = _Priorities(
                rng,
                d,
                min(depth, -(-walked // (cov.walks - 1))) if cov.walks > 1 else depth,
                weights if policy == "swarm-pct" else None,
            )
        elif policy == "hold":
            delays = _HoldOne(rng, depth)
        elif policy != "swarm":
            delays = _Delays(rng)
        if pool and rng.random() < _RESUME:
            state, start, prefix = pool[rng.randrange(len(pool))]
            indexes: list[int] = list(prefix)
        else:
            start = rng.randrange(len(initials))
            state = initials[start]
            indexes = []
            found = walks.check_initial(state, start)
        for step in range(len(indexes), depth):
            if found is not None:
                break
            if step and not step % _CLOCK_EVERY and time.perf_counter() >= deadline:
                bound = f"max_seconds={max_seconds}"
                break
            options = walks.options(state)
            if options is None:
                break
            enabled, kinds = options
            if pct is not None:
                ai = pct.choose(enabled, kinds, step)
            elif delays is None:
                ai = choose_swarm(rng, kinds, weights)
            else:
                ready = delays.ready(enabled, step)
                ai = ready[choose_swarm(rng, [kinds[i] for i in ready], weights)]
            nxt, found, new = walks.take(state, enabled, kinds, ai, start, indexes)
            if new and keep_pool and found is None:
                entry = (nxt, start, tuple(indexes))
                if len(pool) < _POOL:
                    pool.append(entry)
                else:
                    pool[rng.randrange(_POOL)] = entry
            state = nxt
        cov.deepest = max(cov.deepest, len(indexes))
        walked += len(indexes)
        if found is not None or bound is not None:
            break

    return walks.result(found, bound)


class Walks:
    """What every policy's walks share: the model's checks, the states seen
    by any walk, the coverage, and the run's result."""

    def __init__(self, model: Model[Any, Any]) -> None:
        self.started = time.perf_counter()
        self.model = model
        self.invariants = tuple((p.name, p.check) for p in model.invariants)
        # Every step property in one call (the model's check_step if it has one).
        self.check_step = step_checker(model)
        self.checked = tuple(n for n, _ in self.invariants) + tuple(
            p.name for p in model.step_properties
        )
        self.initials = list(model.initial_states())
        self.seen: set[int] = set()
        self.taken: Tally[str] = Tally()
        self.enabled_kinds: set[str] = set()
        self.cov = Coverage()

    def check_initial(self, state: Any, start: int) -> Violation | None:
        """The invariant the initial state `start` breaks, checked the first
        time a walk starts there (it then joins `seen`)."""
        if hash(state) in self.seen:
            return None
        self.seen.add(hash(state))
        return check_state(self.invariants, state, start, [])

    def options(self, state: Any) -> tuple[Sequence[Any], list[str]] | None:
        """The enabled actions and their kinds, or None (counted) at a deadlock."""
        enabled = self.model.actions(state)
        if not enabled:
            self.cov.deadlocks += 1
            return None
        kinds = list(map(action_kind, enabled))
        self.enabled_kinds.update(kinds)
        return enabled, kinds

    def take(
        self, state: Any, enabled: Sequence[Any], kinds: list[str], ai: int, start: int,
        indexes: list[int],
    ) -> tuple[Any, Violation | None, bool]:  # fmt: skip
        """Take action `ai`: the next state, what the step breaks (a step
        property, else an invariant of a state no walk saw before), and
        whether that state is new (it then joins `seen`)."""
        action = enabled[ai]
        nxt = self.model.next_state(state, action)
        indexes.append(ai)
        self.taken[kinds[ai]] += 1
        self.cov.steps += 1
        if self.check_step is not None:
            broken = self.check_step(state, action, nxt)
            if broken is not None:
                return nxt, Violation(broken[0], broken[1], start, list(indexes)), False
        fp = hash(nxt)
        if fp in self.seen:
            return nxt, None, False
        self.seen.add(fp)
        return nxt, check_state(self.invariants, nxt, start, indexes), True

    def result(self, found: Violation | None, bound: str | None) -> SimulationResult:
        """The coverage completed, and the violation shortened (VIOLATED), or
        the bound (INCOMPLETE), or VERIFIED."""
        cov = self.cov
        cov.distinct_states = len(self.seen)
        cov.taken = dict(sorted(self.taken.items()))
        cov.never_taken = tuple(sorted(self.enabled_kinds - set(self.taken)))
        stats = Stats(states=cov.distinct_states, transitions=cov.steps, depth=cov.deepest)
        checked = self.checked
        if found is not None:
            cex: Counterexample = shorten(self.model, found)
            stats.seconds = time.perf_counter() - self.started
            result = CheckResult(Verdict.VIOLATED, stats, counterexample=cex, checked=checked)
            return SimulationResult(result, cov, found_length=len(found.indexes))
        stats.seconds = time.perf_counter() - self.started
        verdict = Verdict.INCOMPLETE if bound is not None else Verdict.VERIFIED
        return SimulationResult(CheckResult(verdict, stats, bound=bound, checked=checked), cov)


def choose_swarm(rng: random.Random, kinds: list[str], weights: dict[str, float]) -> int:
    """An index into the enabled actions. Each walk gives every kind of action
    a random weight (drawn when the kind is first enabled in the walk), as
    swarm testing does: a walk that rarely delivers some kind of message lets
    those messages age, which is how stale-message bugs are reached."""
    if len(kinds) == 1:
        return 0
    for kind in kinds:
        if kind not in weights:
            weights[kind] = _WEIGHTS[rng.randrange(len(_WEIGHTS))]
    return rng.choices(range(len(kinds)), [weights[k] for k in kinds])[0]


class _Delays:
    """The delay policy of one walk: when an action is first enabled it is
    held, with a chance drawn for the walk, for a random number of steps.
    Held actions are not taken while another action is ready, so a message
    waits while other steps (such as configuration changes) happen, and is
    delivered late: what stale-message bugs need, and what uniform or
    swarm-weighted walks rarely do, since a message stays enabled and is
    picked soon. Actions are compared by equality, so the model's actions
    must be hashable values; nothing about the protocol is assumed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.chance = _HOLD_CHANCES[rng.randrange(len(_HOLD_CHANCES))]
        self.longest = _HOLD_STEPS[rng.randrange(len(_HOLD_STEPS))]
        self.release: dict[Any, int] = {}

    def ready(self, enabled: Any, step: int) -> list[int]:
        """Indexes of the enabled actions not held at this step; when all
        are held, those released first."""
        rng, release = self.rng, self.release
        times = []
        for action in enabled:
            at = release.get(action)
            if at is None:
                held = rng.random() < self.chance
                at = step + rng.randint(1, self.longest) if held else step
                release[action] = at
            times.append(at)
        first = min(times)
        if first > step:
            return [i for i, at in enumerate(times) if at == first]
        return [i for i, at in enumerate(times) if at <= step]


class _HoldOne:
    """The hold policy of one walk: swarm, and at one step drawn for the walk
    the action chosen is not taken but held, for a number of steps drawn up
    to the depth (or until nothing else is enabled): one message kept back
    across everything else, such as two configuration changes, without the
    noise of holding many."""

    def __init__(self, rng: random.Random, depth: int) -> None:
        self.rng = rng
        self.at = rng.randrange(max(depth, 1))
        self.until = self.at + rng.randint(1, max(depth, 1))
        self.held: Any = None

    def ready(self, enabled: Any, step: int) -> list[int]:
        if step == self.at and self.held is None and len(enabled) > 1:
            self.held = enabled[self.rng.randrange(len(enabled))]
        if self.held is None or step >= self.until:
            return list(range(len(enabled)))
        found = [i for i, a in enumerate(enabled) if a != self.held]
        return found or list(range(len(enabled)))


class _Priorities:
    """The pct policy of one walk: probabilistic concurrency testing
    (Burckhardt et al., ASPLOS 2010), in the form for message passing
    (Ozkan et al., OOPSLA 2018). Every action gets a random priority when it
    is first enabled in the walk, and the walk always takes the enabled
    action of highest priority (ties broken at random); at `bug_depth - 1`
    change points, steps drawn uniformly below `steps` (the caller passes
    the mean length of the walks so far: PCT's k), the action about to be
    taken is demoted below every other (later change points lower still)
    and the next is taken.

    Actions of one kind first enabled at the same step share one draw: the
    variants of one choice (which node joins, which quorum it reads) then
    count as one, where separate draws would make the highest of them
    outrank nearly everything, so that such a choice is taken as soon as it
    is enabled (measured: no-state-transfer took 2,000 to 5,000 walks with
    separate draws, 180 to 450 with shared ones).

    A delivery with a low priority waits while everything above it happens,
    however long that takes: the late messages that stale-message bugs need.
    A bug that needs `d - 1` particular actions postponed past the others is
    found by a walk with chance about 1 / (n * k^(d-1)) (n actions, k steps):
    a walk draws one ordering of the actions, not one per step. Actions are
    compared by equality and keep their priority for the whole walk, as a
    thread does in PCT: an action enabled again (the same value) is ranked
    where it was, and a demoted one stays demoted.

    swarm-pct mixes in swarm testing: the priority is u ** (1 / w) for u
    uniform and w the walk's weight for the action's kind (the keys of
    Efraimidis and Spirakis' weighted sampling), so a kind weighted low tends
    to rank low: its actions wait for the others, walk after walk."""

    def __init__(
        self,
        rng: random.Random,
        bug_depth: int,
        steps: int,
        weights: dict[str, float] | None = None,
    ) -> None:
        self.rng = rng
        self.weights = weights
        self.priority: dict[Any, float] = {}
        self.changes = sorted(rng.randrange(max(steps, 1)) for _ in range(bug_depth - 1))
        self.demoted = 0

    def choose(self, enabled: Any, kinds: list[str], step: int) -> int:
        """The index of the enabled action to take at this step."""
        priority, rng, weights = self.priority, self.rng, self.weights
        ranked = []
        fresh: dict[str, float] = {}
        for action, kind in zip(enabled, kinds, strict=True):
            p = priority.get(action)
            if p is None and kind in fresh:
                p = priority[action] = fresh[kind]
            if p is None:
                p = rng.random()
                if weights is not None:
                    w = weights.get(kind)
                    if w is None:
                        w = weights[kind] = _WEIGHTS[rng.randrange(len(_WEIGHTS))]
                    p **= 1.0 / w
                priority[action] = p
                fresh[kind] = p
            ranked.append(p)
        best = self._best(ranked)
        changes = self.changes
        while changes and changes[0] == step:
            changes.pop(0)
            if len(enabled) > 1:
                self.demoted += 1
                priority[enabled[best]] = ranked[best] = -float(self.demoted)
                best = self._best(ranked)
        return best

    def _best(self, ranked: list[float]) -> int:
        top = max(ranked)
        tied = [i for i, p in enumerate(ranked) if p == top]
        return tied[0] if len(tied) == 1 else tied[self.rng.randrange(len(tied))]


def check_state(
    invariants: tuple[tuple[str, Callable[[Any], str | None]], ...],
    state: Any,
    start: int,
    indexes: list[int],
) -> Violation | None:
    for name, check in invariants:
        detail = check(state)
        if detail is not None:
            return Violation(name, detail, start, list(indexes))
    return None
