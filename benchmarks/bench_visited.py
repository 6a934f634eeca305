"""Bytes per visited state of the compact fingerprint table, measured.

    python3 benchmarks/bench_visited.py 10000000

Inserts N random 64-bit fingerprints (then looks each up once), and prints
the table's bytes per state, the engine's per-state arrays (parent and action
index, 8 bytes), the growth of the process's peak memory per state, and the
insert and lookup rates.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import peak_memory_bytes
from checker.visited import FingerprintTable


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(1)
    before = peak_memory_bytes()
    table = FingerprintTable()
    started = time.perf_counter()
    for i in range(n):
        fp = rng.getrandbits(64) - 2**63
        if table.get(fp) is None:
            table[fp] = i
    inserted = time.perf_counter() - started
    rng = random.Random(1)
    started = time.perf_counter()
    for _ in range(n):
        table.get(rng.getrandbits(64) - 2**63)
    looked = time.perf_counter() - started
    grown = peak_memory_bytes() - before
    per_state = table.nbytes / len(table)
    print(
        f"states {len(table):,}  slots {table.slots:,}  table {per_state:.1f} B/state"
        f"  + parent/via 8 = {per_state + 8:.1f} B/state"
    )
    print(f"peak memory growth {grown / len(table):.1f} B/state (includes the rehash's old table)")
    print(f"insert {n / inserted:,.0f}/s  lookup {n / looked:,.0f}/s (each with a random draw)")


if __name__ == "__main__":
    main()
