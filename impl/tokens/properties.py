"""The implementation's own audit of PROTOCOL.md section 5, read from a run's
recorded events (a Recorder with keep=True) and its final state; written from
the design, not from spec/.

    problems = audit_properties(cluster)     # [("StoreMonotone", "s2 token 0 ..."), ...]

- NoDoubleSpend: every copy of a token's version (server stores, messages in
  flight, clients' buffers) names the same owner.
- Conservation: every current server with a store holds every token.
- StoreMonotone: no server's version of a token ever decreases.
- ReadNotStale: a completed READ phase read, for each token its operation
  asks for, at least the highest version that an operation answered before
  this one was invoked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from impl.tokens.cluster import Cluster

Problem = tuple[str, str]  # (property, what breaks it)


def audit_properties(cluster: Cluster) -> list[Problem]:
    """Every property the run broke, in the order the checks find them."""
    events = cluster.recorder.events
    return [
        *no_double_spend(cluster),
        *conservation_of_stores(cluster),
        *store_monotone(events),
        *read_not_stale(events, cluster.params.tokens),
    ]


def _copies(cluster: Cluster) -> Iterator[tuple[str, tuple[int, int, str]]]:
    """(where, (token, version, owner)) for every copy of a token's version."""
    for name, node in cluster.env.nodes.items():
        with node.lock:
            if node.server is not None and node.server.store is not None:
                for t, (v, o) in node.server.store.items():
                    yield f"{name}'s store", (t, v, o)
            if node.client is not None and node.client.pending is not None:
                p = node.client.pending
                for t, (v, o) in p.best.items():
                    yield f"{name}'s buffer", (t, v, o)
                for t, v, o in p.entries:
                    yield f"{name}'s buffer", (t, v, o)
    in_flight: Iterable[Any] = cluster.scheduler.in_flight() if cluster.scheduler else ()
    for m in in_flight:
        for t, v, o in m.payload.get("entries", ()):
            yield f"message {m.id} ({m.kind} {m.src}->{m.dst})", (t, v, o)


def no_double_spend(cluster: Cluster) -> list[Problem]:
    owners: dict[tuple[int, int], tuple[str, str]] = {}
    for where, (t, v, o) in _copies(cluster):
        seen = owners.setdefault((t, v), (o, where))
        if seen[0] != o:
            return [
                (
                    "NoDoubleSpend",
                    f"token {t} version {v} is owned by {seen[0]} in {seen[1]} "
                    f"and by {o} in {where}",
                )
            ]
    return []


def conservation_of_stores(cluster: Cluster) -> list[Problem]:
    tokens = set(range(cluster.params.tokens))
    for name, store in cluster.stores().items():
        if store is not None and set(store) != tokens:
            missing = sorted(tokens - set(store))
            return [("Conservation", f"{name} does not hold tokens {missing[:5]}")]
    return []


def store_monotone(events: list[dict[str, Any]]) -> list[Problem]:
    last: dict[str, list[Any]] = {}
    for e in events:
        state = e.get("state")
        if not state or state.get("role") != "server" or state.get("store") is None:
            continue
        node, store = str(e.get("node") or e.get("dst")), state["store"]
        before = last.get(node)
        if before is not None:
            for t, (old, new) in enumerate(zip(before, store, strict=False)):
                if new[0] < old[0]:
                    return [
                        (
                            "StoreMonotone",
                            f"{node}'s version of token {t} went from {old[0]} to {new[0]} "
                            f"(event {e['seq']})",
                        )
                    ]
        last[node] = store
    return []


def _asked(call: dict[str, Any], tokens: int) -> list[int]:
    return [call["token"]] if call["op"] == "pay" else list(range(tokens))


def read_not_stale(events: list[dict[str, Any]], tokens: int) -> list[Problem]:
    linearized = [1] * tokens  # the highest version an answered operation wrote or returned
    snapshots: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        kind = e["event"]
        if kind == "invoked":
            snapshots[e["node"]] = [(t, linearized[t]) for t in _asked(e["call"], tokens)]
        elif kind == "answered":
            answer = e["answer"]
            if answer["answer"] in ("OK", "NOT_OWNER"):
                t = e["call"]["token"]
                linearized[t] = max(linearized[t], answer["version"])
            else:
                for t, v in answer["tokens"]:
                    linearized[t] = max(linearized[t], v)
        elif (
            kind == "delivered"
            and e.get("effect") == "quorum reached"
            and e.get("kind") == "READ_REPLY"
            and e["dst"] in snapshots
        ):
            best = {t: v for t, v, _ in e["state"]["pending"]["best"]}
            for t, floor in snapshots.pop(e["dst"]):
                if best.get(t, 0) < floor:
                    return [
                        (
                            "ReadNotStale",
                            f"{e['dst']} read token {t} at version {best.get(t, 0)}, but version "
                            f"{floor} was answered before its operation began (event {e['seq']})",
                        )
                    ]
    return []
