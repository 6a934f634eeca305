"""Coverage-guided random walks: `check simulate --policy guided`.

In the spirit of coverage-guided fuzzers and Go-Explore (Ecoffet et al.,
2021): every state a walk reaches for the first time is abstracted into a
few features (the model's `coverage_features`, see
`checker.model.has_coverage_features`, or a generic default), and the
features go into a corpus, each with a home: a state that showed it and
the path that reached it. All the features of a state together (its cell,
as Go-Explore calls the abstraction of a state) count as one more feature,
so a new combination of known features is new too. Most walks (19 in 20)
then start from a home instead of an initial state, chosen through its
feature with a weight that favours rare features (shown by few distinct
states) and features seldom chosen before, and continue with
swarm-weighted random steps. A bug that needs a long, unlikely run is then
reached in stages, when each stage shows something new: the walks need not
draw the whole run at once. A walk from the corpus is a short burst (1 to
8 steps), one from an initial state runs to the depth.

Everything else is `checker.simulate`'s: every invariant on every new
state and every step property on every step; a violation is the corpus
path plus the continuation, from the initial state, shortened and
replayed. `depth` bounds the steps of each walk, not the path from the
initial state: a home found at the depth must still be a place to go on
from (a combination lock whose fourth digit was first dialled at the
depth was never opened when it bounded the path). The same seed gives the same
walks: the corpus and the counts are lists and dicts filled in the order
the walks meet them, never sets iterated, and only the clock's bound
depends on time.

    from checker.guided import guided
    from tests.checker.tiny_models import Counter

    guided(Counter(5), runs=3, depth=10, seed=1).coverage.features  # 4
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from itertools import accumulate
from typing import Any

from checker.model import Model, has_coverage_features
from checker.shorten import Violation
from checker.simulate import SimulationResult, Walks, choose_swarm

# The chance a walk starts from an initial state rather than the corpus.
_FROM_START = 0.05
# Feature weights are recomputed after this many walks (a new feature is
# appended at once with its first weight): a full pass costs one step per feature.
_REWEIGH_EVERY = 256
# A walk from the corpus takes one of these numbers of steps (at most):
# short bursts from the frontier, so that the corpus, not one long walk,
# carries a run forward. Measured on no-epoch-check, seeds 1 to 5: walks
# to the end (the depth, or nothing enabled) found it 4 times in 60 s;
# bursts of 1, 2, 4 or 8 steps 5 times in 40 s (seeds 6 to 10 too).
_BURSTS = (1, 2, 4, 8)
# The clock is read every this many steps inside a walk.
_CLOCK_EVERY = 1024

Features = Callable[[Any, str, int], Iterable[Hashable]]


def default_features(state: Any, kind: str, depth: int) -> tuple[Hashable, ...]:
    """For a model without `coverage_features`: the kind of the action that
    reached the state, with the depth's power of two."""
    return ((kind, depth.bit_length()),)


class Corpus:
    """Every feature seen: the distinct states that showed it, the walks
    started from it, and its home: one of the states that showed it, drawn
    uniformly (reservoir sampling), with its path (the initial state's index
    and the action indexes). A feature abstracts states away, so its first
    state may be a dead end where another is not: measured on S3a
    --reconfigs 2 no-epoch-check, keeping the first state found it with 3
    seeds of 5 in 40 s, a uniform draw with 5 of 5."""

    def __init__(self) -> None:
        self.index: dict[Hashable, int] = {}
        self.shown: list[int] = []
        self.chosen: list[int] = []
        self.home: list[tuple[Any, int, tuple[int, ...]]] = []
        self._cumulative: list[float] = []

    def __len__(self) -> int:
        return len(self.home)

    def observe(
        self,
        features: Iterable[Hashable],
        state: Any,
        start: int,
        path: list[int],
        rng: random.Random,
    ) -> None:
        """Count the features of a state reached for the first time; it
        becomes the home of a feature never seen before, and of one seen in
        n states with chance 1/n."""
        index = self.index
        for feature in features:
            i = index.get(feature)
            if i is None:
                index[feature] = len(self.home)
                self.shown.append(1)
                self.chosen.append(0)
                self.home.append((state, start, tuple(path)))
                total = self._cumulative[-1] if self._cumulative else 0.0
                self._cumulative.append(total + 1.0)
            else:
                n = self.shown[i] = self.shown[i] + 1
                if rng.random() * n < 1.0:
                    self.home[i] = (state, start, tuple(path))

    def pick(self, rng: random.Random, walks: int) -> tuple[Any, int, tuple[int, ...]]:
        """A corpus state to start a walk from, through a feature of weight
        1 / (sqrt(states that showed it) * (1 + walks started from it)):
        rare features first, and none chosen over and over while new ones
        wait. (With the square root on both counts, 1 / sqrt(n (1 + c)),
        the same 5 seeds found no-epoch-check 4 times in 60 s, 5 in 40 s
        with this.)"""
        if not walks % _REWEIGH_EVERY:
            weights = (
                1.0 / (math.sqrt(n) * (1 + c)) for n, c in zip(self.shown, self.chosen, strict=True)
            )
            self._cumulative = list(accumulate(weights))
        cumulative = self._cumulative
        i = bisect_right(cumulative, rng.random() * cumulative[-1])
        i = min(i, len(cumulative) - 1)  # rounding at the top end
        self.chosen[i] += 1
        return self.home[i]


def guided(
    model: Model[Any, Any],
    *,
    runs: int,
    depth: int,
    seed: int = 0,
    max_seconds: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SimulationResult:
    """`runs` walks, most from corpus states; stop at the first violation
    and return it shortened. The bounds are checked by `simulate`, which
    calls this for `policy="guided"`."""
    walks = Walks(model)
    deadline = walks.started + max_seconds if max_seconds is not None else math.inf
    rng = random.Random(seed)
    features: Features
    if has_coverage_features(model):
        hook = model.coverage_features  # type: ignore[attr-defined]

        def features(state: Any, kind: str, depth: int) -> Iterable[Hashable]:
            # Each feature, and all of them together (the state's cell, as in
            # Go-Explore): a new combination of known features is new too.
            found = tuple(hook(state))
            return (*found, found) if len(found) > 1 else found
    else:
        features = default_features
    initials, cov = walks.initials, walks.cov
    corpus = Corpus()
    found: Violation | None = None
    bound: str | None = None

    for _ in range(runs):
        if time.perf_counter() >= deadline:
            bound = f"max_seconds={max_seconds}"
            break
        if should_stop is not None and should_stop():
            bound = "interrupted"
            break
        cov.walks += 1
        weights: dict[str, float] = {}
        if corpus and rng.random() >= _FROM_START:
            state, start, prefix = corpus.pick(rng, cov.walks)
            indexes = list(prefix)
            end = len(indexes) + min(depth, _BURSTS[rng.randrange(len(_BURSTS))])
        else:
            end = depth
            start = rng.randrange(len(initials))
            state = initials[start]
            indexes = []
            new = hash(state) not in walks.seen
            found = walks.check_initial(state, start)
            if new and found is None:
                corpus.observe(features(state, "initial", 0), state, start, indexes, rng)
        for step in range(len(indexes), end):
            if found is not None:
                break
            if step and not step % _CLOCK_EVERY and time.perf_counter() >= deadline:
                bound = f"max_seconds={max_seconds}"
                break
            options = walks.options(state)
            if options is None:
                break
            enabled, kinds = options
            ai = choose_swarm(rng, kinds, weights)
            nxt, found, new = walks.take(state, enabled, kinds, ai, start, indexes)
            if new and found is None:
                corpus.observe(features(nxt, kinds[ai], len(indexes)), nxt, start, indexes, rng)
            state = nxt
        cov.deepest = max(cov.deepest, len(indexes))
        if found is not None or bound is not None:
            break

    cov.features = len(corpus)
    return walks.result(found, bound)
