"""Time the default quorum proofs (majority quorums, chains of up to 3 changes
with state transfer) for n = 1..15: per obligation, per n, and in total.

    python3 benchmarks/bench_quorums.py            # n = 1..15
    python3 benchmarks/bench_quorums.py 3 7        # another range
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from checker.quorums import DEFAULT, MAJORITY, Status, maxf
from checker.quorums.solver import availability, chain, change, intersection, symbolic_facts


def obligations(n: int) -> dict[str, Callable[[], object]]:
    """The default proofs at n, as `check quorums` runs them."""
    return {
        "intersection": lambda: intersection(n, MAJORITY),
        "availability": lambda: availability(n, MAJORITY, maxf(n)),
        "join": lambda: change(n, MAJORITY, "join"),
        "leave": lambda: change(n, MAJORITY, "leave"),
        f"chain({DEFAULT.chain})": lambda: chain(n, MAJORITY, DEFAULT.chain),
    }


def timed(proof: Callable[[], object]) -> float:
    started = time.perf_counter()
    outcome = proof()
    seconds = time.perf_counter() - started
    status = getattr(outcome, "status", None)
    # A benchmark of proofs that fail would measure the wrong thing.
    assert status in (Status.PROVEN, Status.NOT_APPLICABLE), outcome
    return seconds


def main(low: int = 1, high: int = 15) -> None:
    totals: dict[str, float] = {}
    names = list(obligations(low))
    print(f"{'n':>3}  " + "  ".join(f"{name:>12}" for name in names) + f"  {'row':>8}")
    for n in range(low, high + 1):
        row = {name: timed(proof) for name, proof in obligations(n).items()}
        for name, seconds in row.items():
            totals[name] = totals.get(name, 0.0) + seconds
        cells = "  ".join(f"{row[name]:>11.3f}s" for name in names)
        print(f"{n:>3}  {cells}  {sum(row.values()):>7.3f}s")
    started = time.perf_counter()
    assert all(f.status is Status.PROVEN for f in symbolic_facts(MAJORITY))
    totals["symbolic facts"] = time.perf_counter() - started
    print(f"\nper obligation, n = {low}..{high}:")
    for name, seconds in totals.items():
        print(f"  {name:<16} {seconds:7.3f}s")
    print(f"all default proofs, n = {low}..{high}: {sum(totals.values()):.2f}s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
