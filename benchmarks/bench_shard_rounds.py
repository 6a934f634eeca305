"""Where the partitioned engine's CPU goes, round by round.

    python3 benchmarks/bench_shard_rounds.py S3m                   # 2 workers
    python3 benchmarks/bench_shard_rounds.py R2 --max-seconds 40 --single
    python3 benchmarks/bench_shard_rounds.py S3m --workers 3 --json

Runs a token standard configuration (symmetry on, as `check model`) on N
forked workers and prints, per round of a level, the CPU seconds each
worker spent in it (`ForkPool.cpu`; `next_level` is called as its two
halves, `settle` then `expand`, to tell them apart), the coordinator's CPU,
the critical path (`ForkPool.critical`: the coordinator's CPU plus each
round's slowest worker), and the candidates the shards sent their owners
against the new states: `own` were sent to the shard itself (it found them
unvisited), `won_own` / `won_other` are the new states won by their
owner's shard / by another. `--single` also runs one process (in this
process, after the workers) for its CPU. Compare CPU seconds, not wall
time, on a shared machine; the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import explore
from checker.parallel import ForkPool, explore_parallel
from checker.shard import Shard
from spec.tokens.model import TokenModel
from spec.tokens.standard import STANDARD_CONFIGS


class CountingPool(ForkPool):
    """A ForkPool that splits `next_level` and counts the candidates."""

    def __init__(self, shards: list[Shard], poll: Callable[[], None]) -> None:
        super().__init__(shards, poll)
        self.counts = {"candidates": 0, "own": 0, "won_own": 0, "won_other": 0}

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        if method == "next_level":
            answers = super().call("settle", args)
            expanded = super().call("expand", [()] * len(args))
            self._count(expanded)
            return list(zip(answers, expanded, strict=True))
        out = super().call(method, args)
        if method == "expand":
            self._count(out)
        elif method == "resolve":
            for owner, (won, _, _) in enumerate(out):
                for source, keys in enumerate(won):
                    self.counts["won_own" if source == owner else "won_other"] += len(keys)
        return out

    def _count(self, expanded: list[Any]) -> None:
        # A shard keeps the candidates it sends itself (`Shard.own_candidates`).
        own = sum(super().call("own_candidates", [()] * len(expanded)))
        self.counts["own"] += own
        for per_owner, *_ in expanded:
            self.counts["candidates"] += sum(len(fps) for fps, _ in per_owner)
        self.counts["candidates"] += own


def measure(name: str, workers: int, max_seconds: float | None, single: bool) -> dict[str, Any]:
    model = TokenModel(STANDARD_CONFIGS[name].config)
    pools: list[CountingPool] = []

    def pool(shards: list[Shard], poll: Callable[[], None]) -> CountingPool:
        pools.append(CountingPool(shards, poll))
        return pools[-1]

    cpu, started = time.process_time(), time.perf_counter()
    result = explore_parallel(
        model, workers=workers, pool_factory=pool, symmetry=True, max_seconds=max_seconds
    )
    seconds, coordinator = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = pools[0]
    row: dict[str, Any] = {
        "name": name,
        "workers": workers,
        "verdict": result.verdict.value,
        "states": result.stats.states,
        "transitions": result.stats.transitions,
        "seconds": round(seconds, 2),
        "coordinator_cpu": round(coordinator, 2),
        "workers_cpu": round(children.ru_utime + children.ru_stime, 2),
        "critical": round(coordinator + p.critical, 2),
        "rounds": {m: [round(c, 2) for c in v] for m, v in p.cpu.items() if sum(v) >= 0.005},
        **p.counts,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if single:
        cpu = time.process_time()
        one = explore(model, symmetry=True, max_seconds=max_seconds)
        row["single_cpu"] = round(time.process_time() - cpu, 2)
        row["single_states"] = one.stats.states
    return row


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['name']} on {r['workers']} workers: {r['verdict']}, {r['states']:,} states,"
        f" {r['transitions']:,} transitions, {r['seconds']} s wall, load {r['load_average']}",
        f"  CPU s: workers {r['workers_cpu']}, coordinator {r['coordinator_cpu']},"
        f" critical path {r['critical']}",
    ]
    for method, per_worker in r["rounds"].items():
        spent = " ".join(f"{c:7.2f}" for c in per_worker)
        lines.append(f"  {method:<11} {spent}  (sum {sum(per_worker):.2f})")
    new = max(r["won_own"] + r["won_other"], 1)
    lines.append(
        f"  candidates {r['candidates']:,} ({r['candidates'] / new:.2f} a new state;"
        f" sent to themselves {r['own']:,}); new states won by their owner"
        f" {r['won_own']:,}, by another shard {r['won_other']:,}"
    )
    if "single_cpu" in r:
        lines.append(f"  one process: {r['single_states']:,} states, {r['single_cpu']} CPU s")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(STANDARD_CONFIGS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--single", action="store_true", help="also one process, for its CPU")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error(f"--workers {args.workers}: the rounds need 2 workers or more")
    row = measure(args.name, args.workers, args.max_seconds, args.single)
    print(json.dumps(row) if args.json else report(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
