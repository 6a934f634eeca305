"""Requests/s and latency of the SMR replicas on loopback, and the cost of
stability: how many null messages clients send per request.

For 3 and 5 replica processes:

- latency: one client, one request at a time (closed loop); median and p99
  from submission to the first reply. Alone, a client never waits for
  anyone else, so it sends no null messages;
- throughput: `--clients` clients, each in a closed loop, for a fixed time;
  every request waits until every other client has sent something stamped
  later, a request or a null message sent when a replica pokes it.

    python3 benchmarks/bench_smr.py                  # 2 s per measurement
    python3 benchmarks/bench_smr.py --seconds 5 --clients 8
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impl.smr.client import SmrClient
from impl.smr.cluster import Cluster


def _command(i: int) -> dict[str, object]:
    return {"op": "add", "site": f"site{i % 10}", "vaccine": "mmr", "doses": 1}


async def _connect(ports: list[int], names: list[str]) -> list[SmrClient]:
    clients = [SmrClient(n, ports, timeout=30) for n in names]
    for c in clients:
        await c.connect()
    return clients


async def latency(ports: list[int], seconds: float) -> tuple[int, float, float]:
    (client,) = await _connect(ports, ["lat"])
    samples: list[float] = []
    await client.submit(_command(0))  # warm up
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        await client.submit(_command(len(samples)))
        samples.append(time.perf_counter() - start)
    await client.close()
    samples.sort()
    return len(samples), statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


async def throughput(ports: list[int], seconds: float, count: int) -> tuple[float, float, float]:
    clients = await _connect(ports, [f"tp{i}" for i in range(count)])
    done = 0
    end = time.perf_counter() + seconds

    async def loop(c: SmrClient) -> None:
        nonlocal done
        while time.perf_counter() < end:
            await c.submit(_command(done))
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    elapsed = time.perf_counter() - start
    nulls = sum(c.nulls for c in clients)
    for c in clients:
        await c.close()
    return done / elapsed, nulls / elapsed, nulls / max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"one client (latency)                 | {args.clients} clients (throughput)")
    print(
        f"{'replicas':>8} {'reqs':>6} {'median':>9} {'p99':>9} |"
        f" {'req/s':>7} {'nulls/s':>8} {'nulls/req':>9}"
    )
    for replicas in (3, 5):
        with Cluster(replicas, base_port=None) as cluster:
            n, median, p99 = asyncio.run(latency(cluster.ports, args.seconds))
            rate, null_rate, per_request = asyncio.run(
                throughput(cluster.ports, args.seconds, args.clients)
            )
        print(
            f"{replicas:>8} {n:>6} {median * 1e3:>7.2f}ms {p99 * 1e3:>7.2f}ms |"
            f" {rate:>7.0f} {null_rate:>8.0f} {per_request:>9.2f}"
        )


if __name__ == "__main__":
    main()
