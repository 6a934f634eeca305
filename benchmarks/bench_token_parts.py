"""What each part of the token model's hot path costs, apart from the engine:
the enabled actions, the successor function, the step check, `hash` of a
successor, fairness, the action kind, the invariants and (with symmetry)
the canonical hash: of a successor after its parent (`expanding`), as the
engine calls it, and of a state met alone.

    python3 benchmarks/bench_token_parts.py S3a [--states 60000]

It collects the last N states of a breadth-first walk (the cyclic garbage
collector off, as in the engine), then times each part over them, best of
5 in CPU time: per transition, or per state for the parts the engine calls
once a new state (invariants, canonical hash). Compare two checkouts by
running it alternately in each one's environment (it reads the installed,
compiled modules, or the source under TOKENCHECK_PURE=1).
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from checker.cli.registry import lookup
from checker.coverage import kind_function
from checker.model import step_checker

REPEATS = 5


def collect(model: Any, wanted: int) -> list[Any]:
    """The last `wanted` states of a BFS that visits about twice as many."""
    frontier = list(model.initial_states())
    seen = {hash(s) for s in frontier}
    states: list[Any] = []
    while frontier and len(states) < 2 * wanted:
        following = []
        for state in frontier:
            states.append(state)
            for action in model.actions(state):
                successor = model.next_state(state, action)
                fp = hash(successor)
                if fp not in seen:
                    seen.add(fp)
                    following.append(successor)
        frontier = following
    return states[-wanted:]


def best(part: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.process_time()
        part()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="a standard token configuration, e.g. S3a")
    parser.add_argument("--states", type=int, default=60_000)
    args = parser.parse_args()
    protocol = lookup("tokens")
    model = protocol.build(protocol.standard(args.config).config)
    gc.disable()
    states = collect(model, args.states)
    pairs = [(s, a) for s in states for a in model.actions(s)]
    successors = [model.next_state(s, a) for s, a in pairs]
    step = step_checker(model)
    assert step is not None
    kind = kind_function(model)
    checks = [p.check for p in model.invariants]
    next_state, is_fair, actions = model.next_state, model.is_fair, model.actions

    def successors_dropped() -> None:
        for s, a in pairs:
            next_state(s, a)

    def actions_dropped() -> None:
        for s in states:
            actions(s)

    per_transition: dict[str, Callable[[], object]] = {
        "actions": actions_dropped,
        "next_state": successors_dropped,
        "step_check": lambda: [step(s, a, t) for (s, a), t in zip(pairs, successors, strict=True)],
        "hash": lambda: [hash(t) for t in successors],
        "is_fair": lambda: [is_fair(s, a) for s, a in pairs],
        "kind_of": lambda: [kind(a) for _, a in pairs],
    }
    per_state: dict[str, Callable[[], object]] = {
        "invariants": lambda: [[c(s) for c in checks] for s in states],
    }
    canonical_hash = getattr(model, "canonical_hash", None)
    if canonical_hash is not None:
        per_state["canonical_hash"] = lambda: [canonical_hash(s) for s in states]
    expanding = getattr(model, "expanding", None)
    if canonical_hash is not None and expanding is not None:
        # As the engine calls it: each parent named first, then its successors.
        by_parent = [(s, [next_state(s, a) for a in actions(s)]) for s in states]

        def incremental() -> None:
            for s, after in by_parent:
                expanding(s)
                for t in after:
                    canonical_hash(t)

        per_transition["canonical_hash"] = incremental
    print(f"{args.config}: {len(states):,} states, {len(pairs):,} transitions, best of {REPEATS}")
    for name, part in per_transition.items():
        print(f"  {name:15s} {best(part) / len(pairs) * 1e6:6.3f} us a transition")
    for name, part in per_state.items():
        print(f"  {name:15s} {best(part) / len(states) * 1e6:6.3f} us a state")


if __name__ == "__main__":
    main()
