"""Time of `check smr trace`'s audit (Agreement, Order, Validity,
CausalOrder, Answers) on a recorded run of the SMR replicas.

Records a live run first (3 replicas on loopback, `--clients` closed-loop
clients, `--requests` requests in all, mixed adds and queries), unless
`--traces DIR` names the traces of a run already recorded.

    python3 benchmarks/bench_smr_audit.py                      # 2,000 requests
    python3 benchmarks/bench_smr_audit.py --requests 8000 --keep traces/
    python3 benchmarks/bench_smr_audit.py --traces traces/
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impl.smr.audit import audit
from impl.smr.client import SmrClient
from impl.smr.cluster import Cluster
from impl.smr.trace import Trace


def _command(i: int) -> dict[str, object]:
    if i % 5 == 4:
        return {"op": "query"}
    return {"op": "add", "site": f"site{i % 3}", "vaccine": "mmr", "doses": 1}


async def _drive(ports: list[int], folder: Path, clients: int, requests: int) -> None:
    sinks = [(folder / f"c{i}.jsonl").open("w", encoding="utf-8") for i in range(clients)]
    sessions = [
        SmrClient(f"c{i}", ports, timeout=30, trace=Trace(s, "client", f"c{i}"))
        for i, s in enumerate(sinks)
    ]
    for c in sessions:
        await c.connect()

    async def loop(c: SmrClient, count: int) -> None:
        for i in range(count):
            await c.submit(_command(i))

    share = requests // clients
    await asyncio.gather(
        *(loop(c, share + (i < requests % clients)) for i, c in enumerate(sessions))
    )
    for c in sessions:
        await c.close()
    for s in sinks:
        s.close()


def record(folder: Path, clients: int, requests: int) -> float:
    start = time.perf_counter()
    with Cluster(3, base_port=None, trace_dir=folder) as cluster:
        asyncio.run(_drive(cluster.ports, folder, clients, requests))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--traces", type=Path, default=None, help="audit this recorded run")
    parser.add_argument("--keep", type=Path, default=None, help="record the run into this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.traces or args.keep or Path(scratch)
        if args.traces is None:
            folder.mkdir(parents=True, exist_ok=True)
            took = record(folder, args.clients, args.requests)
            print(f"recorded {args.requests} requests from {args.clients} clients in {took:.1f} s")
        paths = sorted(folder.glob("*.jsonl"))
        cpu, wall = time.process_time(), time.perf_counter()
        report = audit(paths)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    applied = max(report.replicas.values(), default=0)
    print(f"{'files':>5} {'applied':>8} {'answered':>9} {'verdict':>9} {'cpu':>8} {'wall':>8}")
    print(
        f"{len(paths):>5} {applied:>8} {sum(report.clients.values()):>9} {report.verdict:>9}"
        f" {cpu:>7.2f}s {wall:>7.2f}s"
    )


if __name__ == "__main__":
    main()
