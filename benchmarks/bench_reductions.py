"""Symmetry's figures: states, transitions and CPU time with and without it.

    python3 benchmarks/bench_reductions.py               # S1 S2 W3 S3a F2
    python3 benchmarks/bench_reductions.py S4 S5 S3m     # the larger ones

S4 is servers=4 clients=2 tokens=1 faulty=1 ops=1, S5 is S1 with ops=2 (the
issue's names; not standard configurations). The time is the process's CPU
time (`time.process_time`), which a shared, loaded machine disturbs less
than wall time. `--max-seconds N` bounds each run (an incomplete run prints
its figures so far).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import explore
from spec.tokens.config import Config
from spec.tokens.model import TokenModel
from spec.tokens.standard import STANDARD_CONFIGS

EXTRA = {
    "S4": Config(servers=4, clients=2, tokens=1, faulty=1, ops=1, reconfigs=0),
    "S5": replace(STANDARD_CONFIGS["S1"].config, ops=2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", default=["S1", "S2", "W3", "S3a", "F2"])
    parser.add_argument("--max-seconds", type=float, default=None)
    args = parser.parse_args()
    print(
        f"{'name':<5} {'symmetry':<8} {'verdict':<11} {'states':>10} {'transitions':>11} {'cpu':>8}"
    )
    for name in args.names:
        config = EXTRA[name] if name in EXTRA else STANDARD_CONFIGS[name].config
        for symmetry in (False, True):
            started = time.process_time()
            result = explore(TokenModel(config), symmetry=symmetry, max_seconds=args.max_seconds)
            cpu = time.process_time() - started
            st = result.stats
            print(
                f"{name:<5} {'on' if symmetry else 'off':<8} {result.verdict.value:<11}"
                f" {st.states:>10,} {st.transitions:>11,} {cpu:>7.1f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
