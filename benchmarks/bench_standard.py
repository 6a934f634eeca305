"""The standard configurations' figures: states, transitions, time, memory.

    python3 benchmarks/bench_standard.py            # every standard configuration
    python3 benchmarks/bench_standard.py S1 S3a     # some of them

Each configuration runs in its own process, so that its peak memory (and
the bytes per visited state: peak resident memory less the process's
footprint before exploring, divided by the states) is its own. Prints one
row per configuration and the total; the figures go in closing notes.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import explore
from spec.tokens.model import TokenModel
from spec.tokens.standard import STANDARD_CONFIGS


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_one(name: str) -> dict[str, float | int | str]:
    model = TokenModel(STANDARD_CONFIGS[name].config)
    before = _rss()
    cpu = time.process_time()
    result = explore(model)
    cpu = time.process_time() - cpu
    s = result.stats
    return {
        "name": name,
        "verdict": result.verdict.value,
        "states": s.states,
        "transitions": s.transitions,
        "seconds": s.seconds,
        "cpu_seconds": cpu,
        "states_per_second": s.states_per_second,
        "peak_bytes": s.peak_memory_bytes,
        "bytes_per_state": (s.peak_memory_bytes - before) / max(s.states, 1),
    }


def main(names: list[str]) -> None:
    names = names or list(STANDARD_CONFIGS)
    unknown = [n for n in names if n not in STANDARD_CONFIGS]
    if unknown:
        sys.exit(f"unknown configuration(s) {unknown}; known: {', '.join(STANDARD_CONFIGS)}")
    print(
        f"{'name':<5} {'verdict':<10} {'states':>10} {'transitions':>12} {'seconds':>8}"
        f" {'cpu s':>8} {'states/s':>9} {'peak MB':>8} {'B/state':>8}"
    )
    total = 0.0
    for name in names:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=True
        )
        row = json.loads(out.stdout)
        total += row["seconds"]
        print(
            f"{name:<5} {row['verdict']:<10} {row['states']:>10,} {row['transitions']:>12,}"
            f" {row['seconds']:>8.1f} {row['cpu_seconds']:>8.1f} {row['states_per_second']:>9,.0f}"
            f" {row['peak_bytes'] / 2**20:>8.0f} {row['bytes_per_state']:>8.0f}",
            flush=True,
        )
    print(f"total {total:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure_one(sys.argv[2])))
    else:
        main(sys.argv[1:])
