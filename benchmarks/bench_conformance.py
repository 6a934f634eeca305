"""Trace conformance speed: events per second and peak memory of `check
trace` on a recorded threaded run of at least 100,000 events (5 servers, 2
faulty losing 30% of their messages, role changes, no added delay).

    python3 benchmarks/bench_conformance.py                  # records, then checks
    python3 benchmarks/bench_conformance.py --trace run.jsonl   # checks this file

The trace is recorded once into benchmarks/.cache/ (delete it to record again).
Speed is measured without tracing allocations, in wall time and in CPU time
(the machine may be shared: CPU time is what one core spends); peak memory in
a second pass with tracemalloc (the Python heap the check allocates).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.conformance import check_trace_file
from impl.tokens.config import Params
from impl.tokens.recorder import Recorder
from impl.tokens.workload import Workload, run_workload
from spec.tokens.conformance import CONFORMANCE

CACHE = Path(__file__).resolve().parent / ".cache" / "conformance_trace.jsonl"


def record(path: Path, requests: int) -> None:
    params = Params(servers=5, drop=0.3, max_delay=0.0, seed=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as sink:
        header = {"mode": "threaded", "seed": 11, "command": "run", "params": params.to_json()}
        workload = Workload(requests=requests, max_interval=0.0, role_changes=6)
        report = run_workload(params, workload, recorder=Recorder(sink=sink, header=header))
    print(f"recorded {path}: {report.lines[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", type=Path, default=None, help="check this trace file")
    parser.add_argument("--requests", type=int, default=4500, help="requests when recording")
    args = parser.parse_args()
    path = args.trace or CACHE
    if args.trace is None and not CACHE.exists():
        record(CACHE, args.requests)
    size = path.stat().st_size
    cpu = time.process_time()
    verdict = check_trace_file(str(path), CONFORMANCE)
    cpu = time.process_time() - cpu
    verdict_text = "conforms" if verdict.conforms else f"DIVERGES: {verdict.divergence}"
    rate = verdict.events / verdict.seconds
    print(f"trace: {path} ({size / 1e6:.1f} MB, {verdict.events:,} events): {verdict_text}")
    print(
        f"speed: {verdict.seconds:.2f} s, {rate:,.0f} events/s"
        f" ({size / 1e6 / verdict.seconds:.1f} MB/s);"
        f" {cpu:.2f} s of CPU, {verdict.events / cpu:,.0f} events per CPU second"
    )
    tracemalloc.start()
    started = time.perf_counter()
    check_trace_file(str(path), CONFORMANCE)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory of the check: {peak / 1e6:.1f} MB"
        f" (tracemalloc pass: {time.perf_counter() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
