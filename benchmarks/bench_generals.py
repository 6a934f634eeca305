"""The Byzantine generals: threaded orders, trace checking, and z3 cells.

- orders: `Army.order` for n = 4, 7, 10 generals with OM((n-1)//3) and
  (n-1)//3 faulty generals: orders/s and messages/s (every message is an
  inbox hand-off between threads, recorded in the run's trace);
- trace check: the same runs replayed on the explicit model
  (spec/generals/conformance.py), messages/s;
- z3: one `prove(n, m)` cell on each side of the n > 3m boundary.

    python3 benchmarks/bench_generals.py              # about 1 s per measurement
    python3 benchmarks/bench_generals.py --seconds 3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impl.generals.army import Army, tolerated
from spec.generals.conformance import check_runs
from spec.generals.proofs import prove


def orders(n: int, seconds: float) -> None:
    army = Army(n, seed=n)
    for g in sorted(army.generals)[: tolerated(n)]:
        army.set_faulty(g, True)
    runs, messages = 0, 0
    traces: list[list[dict[str, Any]]] = []
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            run = army.order("attack")
            runs += 1
            messages += len(run.trace) - 1 - n  # minus the header and the n decisions
            if len(traces) < 20:
                traces.append([json.loads(line) for line in run.trace])
    finally:
        army.stop()
    took = time.perf_counter() - started
    check_started = time.perf_counter()
    checked = sum(r.steps for t in traces for r in check_runs(t))
    check_took = time.perf_counter() - check_started
    print(
        f"{n:>3}  OM({army.rounds()})  {tolerated(n)} faulty  {runs / took:>8.1f} orders/s"
        f"  {messages / took:>9,.0f} messages/s  trace check {checked / check_took:>9,.0f} steps/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    print("  n  rounds  faulty     orders/s     messages/s      trace check")
    for n in (4, 7, 10):
        orders(n, args.seconds)
    print("z3 cells (seconds, status):")
    for n, m in ((9, 3), (10, 3), (12, 4), (13, 4)):
        cell = prove(n, m)
        print(f"  n={n:<2} m={m}  {cell.seconds:6.2f} s  {cell.status}  ({cell.queries} queries)")


if __name__ == "__main__":
    main()
