"""Parent links spilled to disk by level (`checker.spill`), measured.

    python3 benchmarks/bench_spill.py links 10000000   # the arrays alone
    python3 benchmarks/bench_spill.py S3a              # a run, spill never vs always

`links N`: appends N (parent, action index) pairs in 50 levels of equal
size, once kept in memory and once spilled after every level, and prints
the links' bytes per state in memory (at the end, and the most held at
once: one level), the file's size, the append rate and the rate of random
reads from the file (a counterexample rebuild reads depth-many).

`NAME` (a token standard configuration, no symmetry, one process): the run
with `spill="never"` and with `spill="always"`, each in its own process so
that its peak memory is its own: seconds, CPU seconds, peak resident
memory, (peak - footprint before) / states, and for the spilled run the
links held in memory at most (the largest level) and written to disk.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import checker.explore
from checker.explore import explore, peak_memory_bytes
from checker.spill import ParentLinks, SpillArray, SpillMode
from spec.tokens.model import TokenModel
from spec.tokens.standard import STANDARD_CONFIGS

LEVELS = 50


def links_in_memory(a: SpillArray, b: SpillArray) -> int:
    """Bytes the two arrays' in-memory tails hold (allocated, not just used)."""
    return sys.getsizeof(a._tail) + sys.getsizeof(b._tail)


def bench_links(n: int) -> None:
    per_level = max(1, n // LEVELS)
    for spill in (False, True):
        parent, via = SpillArray(), SpillArray()
        most = 0
        started = time.perf_counter()
        p_append, v_append = parent.append, via.append
        for i in range(n):
            p_append(i // 3)
            v_append(i % 7)
            if (i + 1) % per_level == 0:
                most = max(most, links_in_memory(parent, via))
                if spill:
                    parent.spill()
                    via.spill()
        appended = time.perf_counter() - started
        at_end = links_in_memory(parent, via)
        on_disk = 4 * (parent.on_disk + via.on_disk)
        rng = random.Random(1)
        reads = 100_000
        started = time.perf_counter()
        for _ in range(reads):
            parent[rng.randrange(n)]
        read = time.perf_counter() - started
        parent.close()
        via.close()
        print(
            f"{'spilled' if spill else 'in memory':<10} {n:,} states: links in memory"
            f" {at_end / n:.2f} B/state at the end, at most {most / n:.2f} B/state;"
            f" on disk {on_disk / n:.1f} B/state; append {n / appended:,.0f}/s;"
            f" random read {reads / read:,.0f}/s"
        )


class _Recorded(ParentLinks):
    """ParentLinks that remember the most entries held in memory at once."""

    most = 0
    on_disk = 0

    def level_done(self) -> None:
        _Recorded.most = max(_Recorded.most, self.parent.in_memory + self.via.in_memory)
        super().level_done()
        _Recorded.on_disk = self.parent.on_disk + self.via.on_disk


def measure_one(name: str, spill: SpillMode) -> dict[str, Any]:
    checker.explore.ParentLinks = _Recorded  # type: ignore[attr-defined]
    model = TokenModel(STANDARD_CONFIGS[name].config)
    before = peak_memory_bytes()
    cpu = time.process_time()
    result = explore(model, spill=spill)
    cpu = time.process_time() - cpu
    s = result.stats
    return {
        "verdict": result.verdict.value,
        "states": s.states,
        "seconds": s.seconds,
        "cpu_seconds": cpu,
        "peak_bytes": s.peak_memory_bytes,
        "bytes_per_state": (s.peak_memory_bytes - before) / max(s.states, 1),
        "links_most_in_memory": 4 * _Recorded.most,
        "links_on_disk": 4 * _Recorded.on_disk,
    }


def bench_run(name: str) -> None:
    if name not in STANDARD_CONFIGS:
        sys.exit(f"unknown configuration {name!r}; known: {', '.join(STANDARD_CONFIGS)}")
    for spill in ("never", "always"):
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, spill],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout)
        n = r["states"]
        print(
            f"{name} spill {spill:<6} {r['verdict']} {n:,} states {r['seconds']:.1f} s"
            f" (cpu {r['cpu_seconds']:.1f} s), peak {r['peak_bytes'] / 2**20:.0f} MB,"
            f" {r['bytes_per_state']:.0f} B/state over the footprint; links at most"
            f" {r['links_most_in_memory'] / n:.2f} B/state in memory before a spill,"
            f" {r['links_on_disk'] / n:.1f} B/state on disk",
            flush=True,
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--one":
        print(json.dumps(measure_one(args[1], args[2])))  # type: ignore[arg-type]
    elif len(args) >= 1 and args[0] == "links":
        bench_links(int(args[1]) if len(args) > 1 else 1_000_000)
    else:
        for config in args or ["S3a"]:
            bench_run(config)
