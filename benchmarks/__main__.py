"""The engines on the standard configurations: one process, N workers, Ray.

    python -m benchmarks                       # every token configuration, 1 and 2 workers
    python -m benchmarks S1 S3a --workers 2 --ray --json
    python -m benchmarks S3m --symmetry         # classes, on 1 and 2 processes
    python -m benchmarks --protocol register RG1

For each configuration and engine it prints states, transitions, wall
seconds, CPU seconds (the coordinator's and its workers'), states per wall
second, peak memory and bytes per state. Every run is its own process, so
peak memory is its own: for N forked workers, the coordinator's peak plus N
times the largest worker's (ru_maxrss of the children: an upper bound); for
Ray, the driver's only (actors are Ray's processes: not measured). Bytes per
state is the growth of that peak over the footprint before exploring (for a
forked worker, over the pages it inherited), divided by the states. The
machine's load average is printed with every row (the 1-minute figure at
its end): on a shared machine, wall time measures the neighbours as much as
the engine, and CPU seconds are the steadier figure. `crit s` is what the
wall time would be on idle cores: the coordinator's CPU plus, for each
synchronous round of a level, the slowest worker's CPU in it; one process's
CPU over it is the speed-up that N idle cores would give.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _kib(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def measure_one(
    protocol: str, name: str, engine: str, workers: int, symmetry: bool = False
) -> dict[str, Any]:
    """One run in this process; called in a fresh subprocess by `main`."""
    from checker.cli.registry import lookup
    from checker.explore import explore
    from checker.parallel import ForkPool, explore_parallel

    spec = lookup(protocol)
    model = spec.build(spec.standard(name).config)
    before = _kib(resource.RUSAGE_SELF)
    cpu = _cpu(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if engine == "ray":
        from checker.ray_engine import explore_on_ray

        result = explore_on_ray(model, workers=workers)
    elif workers > 1:
        pools: list[ForkPool] = []

        def pool(shards: Any, poll: Any) -> ForkPool:
            pools.append(ForkPool(shards, poll))
            return pools[-1]

        result = explore_parallel(model, workers=workers, pool_factory=pool, symmetry=symmetry)
    else:
        result = explore(model, symmetry=symmetry)
    seconds = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_SELF) - cpu
    # The wall time on idle cores: the coordinator's CPU, plus per round the
    # slowest worker's (the rounds are synchronous).
    critical = cpu + (pools[0].critical if engine == "local" and workers > 1 else 0.0)
    peak = _kib(resource.RUSAGE_SELF)
    grown = peak - before
    if engine == "local" and workers > 1:
        # A forked worker starts with the coordinator's pages: count its growth.
        child = _kib(resource.RUSAGE_CHILDREN)
        peak += workers * child
        grown += workers * max(0, child - before)
    s = result.stats
    return {
        "protocol": protocol,
        "name": name,
        "engine": engine,
        "workers": workers,
        "verdict": result.verdict.value,
        "states": s.states,
        "transitions": s.transitions,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "worker_cpu_seconds": round(_cpu(resource.RUSAGE_CHILDREN), 3),
        "critical_cpu_seconds": round(critical, 3),
        "symmetry": symmetry,
        "load_average": round(os.getloadavg()[0], 2),
        "states_per_second": round(s.states / seconds, 1) if seconds else 0.0,
        "peak_bytes": peak,
        "bytes_per_state": round(grown / max(s.states, 1), 1),
    }


HEADER = (
    f"{'name':<5} {'engine':<8} {'states':>10} {'transitions':>12} {'seconds':>8}"
    f" {'cpu s':>7} {'wcpu s':>7} {'crit s':>7} {'states/s':>9} {'peak MB':>8} {'B/state':>8}"
    f" {'load':>5}  verdict"
)


def row(r: dict[str, Any]) -> str:
    engine = "1" if r["workers"] == 1 and r["engine"] == "local" else f"{r['workers']}"
    engine = f"ray x{r['workers']}" if r["engine"] == "ray" else f"{engine} proc"
    return (
        f"{r['name']:<5} {engine:<8} {r['states']:>10,} {r['transitions']:>12,}"
        f" {r['seconds']:>8.1f} {r['cpu_seconds']:>7.1f} {r['worker_cpu_seconds']:>7.1f}"
        f" {r['critical_cpu_seconds']:>7.1f}"
        f" {r['states_per_second']:>9,.0f} {r['peak_bytes'] / 2**20:>8.0f}"
        f" {r['bytes_per_state']:>8.0f} {r['load_average']:>5.1f}  {r['verdict']}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("names", nargs="*", help="standard configurations (default: all)")
    parser.add_argument("--protocol", default="tokens")
    parser.add_argument("--workers", type=int, default=2, help="N for the N-worker runs")
    parser.add_argument("--ray", action="store_true", help="also run on a local Ray")
    parser.add_argument("--no-single", action="store_true", help="skip the 1-process runs")
    parser.add_argument(
        "--symmetry",
        action="store_true",
        help="reduce by symmetry (not on Ray: its rows stay concrete)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        protocol, name, engine, workers, symmetry = args.one
        print(json.dumps(measure_one(protocol, name, engine, int(workers), symmetry == "1")))
        return 0
    from checker.cli.registry import lookup

    spec = lookup(args.protocol)
    known = [s.name for s in spec.standards]
    names = args.names or known
    unknown = [n for n in names if n not in known]
    if unknown or args.workers < 2:
        sys.exit(
            f"unknown configuration(s) {unknown} (known: {', '.join(known)})"
            if unknown
            else "--workers must be at least 2 (1 is always run)"
        )
    runs = [] if args.no_single else [("local", 1)]
    runs.append(("local", args.workers))
    if args.ray:
        runs.append(("ray", args.workers))
    machine = {
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "python": sys.version.split()[0],
    }
    if not args.json:
        print(
            f"machine: {machine['cpus']} CPUs, load average {os.getloadavg()[0]:.1f},"
            f" Python {machine['python']}"
        )
        print(HEADER)
    rows = []
    for name in names:
        for engine, workers in runs:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks",
                    "--one",
                    args.protocol,
                    name,
                    engine,
                    str(workers),
                    "1" if args.symmetry and engine == "local" else "0",
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(r)
            if not args.json:
                print(row(r), flush=True)
    machine["load_average_after"] = os.getloadavg()
    if args.json:
        print(json.dumps({"machine": machine, "runs": rows}, indent=2))
    else:
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
