"""Pay throughput and latency of the threaded reference implementation.

For 3, 5 and 7 servers, without faults and with maxf(n) faulty servers
losing 30% of their messages, and no added delay:

- latency: one client pays, one operation at a time (closed loop); median
  and p99 from submission to answer;
- throughput: all six clients pay concurrently, each in a closed loop (one
  outstanding operation per client, as the protocol allows), for a fixed time.

Payers pick a token they own (tracked from OK answers), so most pays succeed;
both answers cost the same two phases.

    python3 benchmarks/bench_impl.py                 # 2 s per measurement
    python3 benchmarks/bench_impl.py --seconds 5 --trace   # with events kept in memory
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params, initial_owner, maxf
from impl.tokens.operations import Ok
from impl.tokens.recorder import Recorder


class Owners:
    """Who owns what, as far as the benchmark's payers know (from OK answers)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_token = {t: initial_owner(t) for t in range(60)}

    def pick(self, client: str, rng: random.Random) -> int:
        with self.lock:
            mine = [t for t, o in self.by_token.items() if o == client]
        return rng.choice(mine) if mine else rng.randrange(60)

    def moved(self, token: int, to: str) -> None:
        with self.lock:
            self.by_token[token] = to


def pay_loop(
    cluster: Cluster, client: str, owners: Owners, stop: float, seed: int
) -> tuple[list[float], int]:
    """Pay until `stop` (monotonic); return latencies and how many were OK."""
    rng = random.Random(seed)
    others = [c for c in cluster.clients() if c != client]
    latencies, oks = [], 0
    while time.monotonic() < stop:
        token, to = owners.pick(client, rng), rng.choice(others)
        handle = cluster.pay(client, token, to)
        answer = cluster.run(handle, timeout=30.0)
        latencies.append(handle.answered_at - handle.created_at)
        if isinstance(answer, Ok):
            oks += 1
            owners.moved(token, to)
    return latencies, oks


def measure(servers: int, faulty: bool, seconds: float, trace: bool) -> dict[str, float]:
    params = Params(
        servers=servers,
        faulty=None if faulty else (),
        drop=0.3 if faulty else 0.0,
        max_delay=0.0,
        seed=servers,
        timeout=30.0,
    )
    recorder = Recorder(keep=trace)
    with Cluster(params, mode="threaded", recorder=recorder) as cluster:
        owners = Owners()
        latencies, _ = pay_loop(cluster, "c1", owners, time.monotonic() + seconds / 2, 1)
        results: list[tuple[list[float], int]] = []
        stop = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=lambda c=c, i=i: results.append(pay_loop(cluster, c, owners, stop, i)),
                daemon=True,
            )
            for i, c in enumerate(cluster.clients())
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    done = sum(len(lat) for lat, _ in results)
    oks = sum(ok for _, ok in results)
    lat = sorted(latencies)
    return {
        "median_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000,
        "pays_per_s": done / elapsed,
        "ok_share": oks / max(done, 1),
        "events": recorder.last_seq,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput measurement")
    parser.add_argument("--trace", action="store_true", help="keep every event in memory")
    args = parser.parse_args()
    print(f"{'servers':>7} {'faults':<22} {'pays/s (6 clients)':>18} {'median ms':>10} "
          f"{'p99 ms':>8} {'OK share':>8}")  # fmt: skip
    for servers in (3, 5, 7):
        for faulty in (False, True):
            r = measure(servers, faulty, args.seconds, args.trace)
            label = f"{maxf(servers)} faulty, drop 30%" if faulty else "none"
            print(
                f"{servers:>7} {label:<22} {r['pays_per_s']:>18.0f} {r['median_ms']:>10.2f} "
                f"{r['p99_ms']:>8.2f} {r['ok_share']:>8.0%}",
                flush=True,
            )


if __name__ == "__main__":
    main()
