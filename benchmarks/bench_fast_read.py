"""Messages the fast-read variant saves (PROTOCOL.md section 2).

    python3 benchmarks/bench_fast_read.py [--requests 300] [--seeds 3]

Runs the same seeded random workloads (step mode: the seeded scheduler, so
both variants see comparable schedules) with and without fast-read and
counts the messages sent, by kind. With fast-read, a gettokens (or a
NOT_OWNER pay) writes back only the tokens on which its q(n) read replies
disagreed, and nothing when they agreed on all.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.errors import Refused
from impl.tokens.recorder import Recorder


def run(servers: int, fast_read: bool, requests: int, seed: int, drop: float) -> Counter[str]:
    recorder = Recorder(keep=True)
    params = Params(servers=servers, drop=drop, seed=seed, fast_read=fast_read)
    rng = random.Random(f"bench:{seed}")
    with Cluster(params, mode="step", recorder=recorder) as cluster:
        for _ in range(requests):
            clients = cluster.clients()
            client = rng.choice(clients)
            try:
                if rng.random() < 0.5:
                    other = rng.choice([c for c in clients if c != client])
                    handle = cluster.pay(client, rng.randrange(params.tokens), other)
                else:
                    handle = cluster.gettokens(client, rng.choice(clients))
            except Refused:
                continue
            cluster.run(handle)
    return Counter(e["kind"] for e in recorder.events if e["event"] == "sent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--drop", type=float, default=0.3)
    args = parser.parse_args()
    print(f"{'servers':>7} {'variant':<10} {'messages':>9} {'WRITE':>7} {'WRITE_ACK':>9}  saved")
    for servers in (3, 5, 7):
        totals = {}
        for fast in (False, True):
            counts: Counter[str] = Counter()
            for seed in range(args.seeds):
                counts += run(servers, fast, args.requests, seed, args.drop)
            totals[fast] = counts
            total = sum(counts.values())
            saved = ""
            if fast:
                base = sum(totals[False].values())
                saved = f"{base - total:,} ({(base - total) / base:.0%})"
            name = "fast-read" if fast else "standard"
            print(
                f"{servers:>7} {name:<10} {total:>9,} {counts['WRITE']:>7,}"
                f" {counts['WRITE_ACK']:>9,}  {saved}"
            )


if __name__ == "__main__":
    main()
