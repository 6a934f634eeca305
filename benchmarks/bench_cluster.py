"""Pay throughput and latency of the multi-process cluster (impl/cluster) on
loopback, against the threaded implementation's figures (bench_impl.py).

For 3, 5 and 7 servers, without faults and with maxf(n) faulty servers losing
30% of requests and replies: one client paying in a closed loop (latency:
median and p99), then six clients paying concurrently, each in a closed loop
(throughput). All clients run in this process, on threads, as ClusterClients;
each server is its own process and commits to SQLite (WAL, synchronous=FULL)
before it replies. Bounded: `--seconds` per measurement, every cluster is
stopped at the end.

Besides the figures it prints what the time went to: this process's CPU
(client side: protobuf, HMAC, gRPC, the GIL), the servers' CPU, and the
servers' time inside SQLite commits (fsync).

    python3 benchmarks/bench_cluster.py                 # 2 s per measurement
    python3 benchmarks/bench_cluster.py --seconds 5 --servers 3
    python3 benchmarks/bench_cluster.py --no-trace      # servers write no trace
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_impl import Owners  # the payers' shared view of who owns what
from impl.cluster.client import ClusterClient
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator, down, up
from impl.tokens.config import maxf
from impl.tokens.errors import ImplError
from impl.tokens.operations import Ok

CLIENTS = [f"c{i}" for i in range(1, 7)]
TICKS = os.sysconf("SC_CLK_TCK")


def pay_loop(
    client: ClusterClient, owners: Owners, stop: float, seed: int
) -> tuple[list[float], int, int]:
    """Pay until `stop`; return latencies, OK answers, and timeouts."""
    rng = random.Random(seed)
    others = [c for c in CLIENTS if c != client.name]
    latencies, oks, timeouts = [], 0, 0
    while time.monotonic() < stop:
        token, to = owners.pick(client.name, rng), rng.choice(others)
        started = time.perf_counter()
        try:
            answer = client.pay(token, to, timeout=10.0)
        except ImplError:
            timeouts += 1
            continue
        latencies.append(time.perf_counter() - started)
        if isinstance(answer, Ok):
            oks += 1
            owners.moved(token, to)
    return latencies, oks, timeouts


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return 0.0


def measure(servers: int, faulty: bool, seconds: float, trace: bool) -> dict[str, float]:
    layout = Layout(Path(tempfile.mkdtemp(prefix="bench-cluster-")) / "cluster")
    names = [f"s{i}" for i in range(1, servers + 1)]
    faults = names[: maxf(servers)] if faulty else []
    started = up(layout, servers, faults, 0.3 if faulty else 0.0, trace=trace)
    pids = [pid for name, pid, _ in started if name != "manager"]
    clients = [ClusterClient(layout, c) for c in CLIENTS]
    try:
        owners = Owners()
        latencies, _, _ = pay_loop(clients[0], owners, time.monotonic() + seconds / 2, 1)
        results: list[tuple[list[float], int, int]] = []
        stop = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=lambda c=c, i=i: results.append(pay_loop(c, owners, stop, i)), daemon=True
            )
            for i, c in enumerate(clients)
        ]
        cpu_before = time.process_time()
        servers_before = sum(cpu_seconds(p) for p in pids)
        wall = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - wall
        client_cpu = (time.process_time() - cpu_before) / elapsed
        server_cpu = (sum(cpu_seconds(p) for p in pids) - servers_before) / elapsed
        operator = Operator(layout)
        import json

        saves = 0.0
        for name in names:
            outcome = operator.control(name, "status")
            saves += json.loads(outcome.json)["save_seconds"] if outcome.status == "ok" else 0
        operator.close()
    finally:
        for c in clients:
            c.close()
        down(layout)
    done = sum(len(lat) for lat, _, _ in results)
    lat = sorted(latencies)
    return {
        "median_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000,
        "pays_per_s": done / elapsed,
        "ok_share": sum(ok for _, ok, _ in results) / max(done, 1),
        "timeouts": sum(t for _, _, t in results),
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
        "fsync_ms_per_pay": saves * 1000 / max(done + len(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput measurement")
    parser.add_argument("--servers", type=int, nargs="*", default=[3, 5, 7])
    parser.add_argument(
        "--no-trace", action="store_true", help="servers keep no trace (cluster up --no-trace)"
    )
    args = parser.parse_args()
    print(f"{'servers':>7} {'faults':<22} {'pays/s':>7} {'median ms':>10} {'p99 ms':>8} "
          f"{'OK':>5} {'client CPU':>10} {'servers CPU':>11} {'commit ms/pay':>13}")  # fmt: skip
    for servers in args.servers:
        for faulty in (False, True):
            r = measure(servers, faulty, args.seconds, not args.no_trace)
            label = f"{maxf(servers)} faulty, drop 30%" if faulty else "none"
            print(
                f"{servers:>7} {label:<22} {r['pays_per_s']:>7.0f} {r['median_ms']:>10.2f} "
                f"{r['p99_ms']:>8.2f} {r['ok_share']:>5.0%} {r['client_cpu']:>10.0%} "
                f"{r['server_cpu']:>11.0%} {r['fsync_ms_per_pay']:>13.2f}"
                + (f"  ({r['timeouts']:.0f} timeouts)" if r["timeouts"] else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
