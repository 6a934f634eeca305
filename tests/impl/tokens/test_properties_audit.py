"""The implementation's audit of PROTOCOL.md section 5 (impl/tokens/properties.py):
silent on correct runs, and each property shown to catch a run that breaks it."""

from __future__ import annotations

import random

import pytest

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.errors import ImplError, Refused
from impl.tokens.properties import audit_properties, read_not_stale, store_monotone
from impl.tokens.recorder import Recorder


@pytest.mark.parametrize("seed", range(3))
def test_a_correct_random_run_breaks_nothing(seed: int) -> None:
    rng = random.Random(seed)
    cluster = Cluster(
        Params(servers=3, drop=0.3, seed=seed), mode="step", recorder=Recorder(keep=True)
    )
    for _ in range(25):
        try:
            if rng.random() < 0.15:
                handle = cluster.transform(rng.choice(cluster.servers() + cluster.clients()))
            else:
                client = rng.choice(cluster.clients())
                to = rng.choice([c for c in cluster.clients() if c != client])
                handle = cluster.pay(client, rng.randrange(60), to)
            cluster.run(handle)
        except (Refused, ImplError):
            continue
    assert audit_properties(cluster) == []


def test_store_monotone_catches_a_version_going_back() -> None:
    events = [
        {
            "seq": 1,
            "event": "delivered",
            "dst": "s1",
            "state": {"role": "server", "store": [[2, "c2"]]},
        },
        {
            "seq": 2,
            "event": "delivered",
            "dst": "s1",
            "state": {"role": "server", "store": [[1, "c1"]]},
        },
    ]
    [(name, detail)] = store_monotone(events)
    assert name == "StoreMonotone" and "from 2 to 1 (event 2)" in detail


def test_read_not_stale_catches_a_read_older_than_an_answer() -> None:
    pay = {"op": "pay", "token": 0, "to": "c2"}
    events = [
        {
            "seq": 1,
            "event": "answered",
            "node": "c1",
            "call": pay,
            "answer": {"answer": "OK", "version": 2},
        },
        {"seq": 2, "event": "invoked", "node": "c3", "call": pay},
        {
            "seq": 3,
            "event": "delivered",
            "kind": "READ_REPLY",
            "dst": "c3",
            "effect": "quorum reached",
            "state": {"pending": {"best": [[0, 1, "c1"]]}},
        },
    ]
    [(name, detail)] = read_not_stale(events, tokens=1)
    assert name == "ReadNotStale" and "version 2 was answered" in detail
