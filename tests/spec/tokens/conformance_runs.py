"""Recorded implementation runs for the conformance tests: threaded and step
mode, maxf(n) faulty servers losing messages, role changes."""

from __future__ import annotations

import io
import random

from impl.tokens.cluster import Cluster
from impl.tokens.config import MAX_SERVERS, MIN_SERVERS, Params
from impl.tokens.errors import ImplError, Refused
from impl.tokens.recorder import Recorder
from impl.tokens.workload import Workload, run_workload


def threaded_trace(servers: int, seed: int, requests: int = 60, role_changes: int = 3) -> str:
    """A `check run`-like threaded run, 30% loss at maxf(n) faulty servers."""
    params = Params(servers=servers, drop=0.3, max_delay=0.001, seed=seed)
    sink = io.StringIO()
    recorder = Recorder(
        sink=sink, header={"mode": "threaded", "seed": seed, "params": params.to_json()}
    )
    run_workload(
        params,
        Workload(requests=requests, max_interval=0.001, role_changes=role_changes),
        recorder=recorder,
    )
    return sink.getvalue()


def step_trace(servers: int, seed: int, ops: int = 30) -> str:
    """Sequential random operations and role changes on the seeded scheduler."""
    rng = random.Random(seed)
    params = Params(servers=servers, drop=0.3, seed=seed)
    sink = io.StringIO()
    recorder = Recorder(
        sink=sink, header={"mode": "step", "seed": seed, "params": params.to_json()}
    )
    cluster = Cluster(params, mode="step", recorder=recorder)
    for _ in range(ops):
        roll = rng.random()
        try:
            if roll < 0.15:
                handle = cluster.transform(rng.choice(cluster.servers() + cluster.clients()))
            else:
                client = rng.choice(cluster.clients())
                if roll < 0.75:
                    to = rng.choice([c for c in cluster.clients() if c != client])
                    # mostly a token the client started with, so that many pays succeed
                    mine = [t for t in range(60) if f"c{t % 6 + 1}" == client]
                    token = rng.choice(mine) if mine and rng.random() < 0.7 else rng.randrange(60)
                    handle = cluster.pay(client, token, to)
                else:
                    handle = cluster.gettokens(client, rng.choice(cluster.clients()))
            cluster.run(handle)
        except (Refused, ImplError):
            continue
    return sink.getvalue()


SIZES = (MIN_SERVERS, 5, MAX_SERVERS)
