"""The engine's raw speed on a synthetic model, with no protocol cost in it.

The model is `dims` counters, each 0..limit, any of which may step up (fair)
or, for a counter above 0, wrap the whole state back to zeros (unfair):
limit+1 ** dims states, about 2*dims transitions each, quiescent when every
counter is at its limit. Its actions are tuples, like the token model's.

    python3 benchmarks/bench_engine.py                 # 7 counters 0..5: 279,936 states
    python3 benchmarks/bench_engine.py --dims 8 --no-liveness

It prints states, transitions, seconds, states/s and peak memory, with and
without the liveness bookkeeping, so a change to the hot loop can be judged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import explore
from checker.model import Invariant, Sometimes, StepProperty

State = tuple[int, ...]
Action = tuple[str, int]


class Counters:
    """`dims` counters 0..limit; see the module docstring."""

    name = "counters"

    def __init__(self, dims: int, limit: int) -> None:
        self.dims, self.limit = dims, limit
        self.top = (limit,) * dims
        self.zero = (0,) * dims
        self.invariants = (
            Invariant("InRange", lambda s: None if max(s) <= limit else f"max = {max(s)}"),
        )
        self.step_properties: tuple[StepProperty, ...] = ()
        self.sometimes = (Sometimes("AllAtTop", lambda s: s == self.top),)
        # Actions are built once: the hot loop should not pay for them.
        self._up = [("Up", i) for i in range(dims)]
        self._wrap = [("Wrap", i) for i in range(dims)]

    def initial_states(self) -> tuple[State]:
        return (self.zero,)

    def actions(self, s: State) -> list[Action]:
        limit = self.limit
        up, wrap = self._up, self._wrap
        return [up[i] for i, v in enumerate(s) if v < limit] + [
            wrap[i] for i, v in enumerate(s) if v
        ]

    def next_state(self, s: State, a: Action) -> State:
        kind, i = a
        if kind == "Wrap":
            return self.zero
        return (*s[:i], s[i] + 1, *s[i + 1 :])

    def is_fair(self, s: State, a: Action) -> bool:
        return a[0] == "Up"

    def is_quiescent(self, s: State) -> bool:
        return s == self.top

    def describe_action(self, a: Action) -> str:
        return f"{a[0]}({a[1]})"

    def describe_state(self, s: State) -> Mapping[str, Any]:
        return {"counters": list(s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=7)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--no-liveness", action="store_true", help="only the run without it")
    args = parser.parse_args()
    model = Counters(args.dims, args.limit)
    runs = [False] if args.no_liveness else [False, True]
    print(
        f"{'liveness':<9} {'states':>10} {'transitions':>12} {'seconds':>8} {'states/s':>9} "
        f"{'peak MB':>8} {'verdict':>9}"
    )
    for liveness in runs:
        r = explore(model, liveness=liveness)
        s = r.stats
        print(
            f"{'on' if liveness else 'off':<9} {s.states:>10,} {s.transitions:>12,} "
            f"{s.seconds:>8.2f} {s.states_per_second:>9,.0f} "
            f"{s.peak_memory_bytes / 2**20:>8,.0f} {r.verdict.value:>9}"
        )


if __name__ == "__main__":
    main()
