"""Fixtures for the implementation's tests: systems that are always stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from impl.tokens.cluster import Cluster
from impl.tokens.config import Params
from impl.tokens.recorder import Recorder

MakeCluster = Callable[..., Cluster]


@pytest.fixture
def make_cluster() -> Iterator[MakeCluster]:
    """Build clusters (`make_cluster(mode="step", servers=3, ...)`); stop them all
    at the end, and fail if a node thread outlives its system."""
    built: list[Cluster] = []

    def make(mode: str = "step", recorder: Recorder | None = None, **params: object) -> Cluster:
        cluster = Cluster(Params(**params), mode=mode, recorder=recorder)  # type: ignore[arg-type]
        built.append(cluster)
        return cluster

    yield make
    for cluster in built:
        cluster.stop()
    alive = [t.name for t in threading.enumerate() if t.name.startswith(("node-", "network-"))]
    assert not alive, f"threads outlived their system: {alive}"
