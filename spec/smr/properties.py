"""The SMR model's named properties. Each reads the replicas' applied logs
and the ghost record of what clients sent; none recomputes the stability
test.

- Agreement: of any two replicas' logs, one is a prefix of the other.
- Order: each replica applies requests in timestamp order (clock, client).
- CausalOrder: a replica applies a request only after every request that
  happened before it (Schneider's O2; Lamport clocks exist for this).
- Validity: a replica applies only requests that clients sent, each once.
- RequestApplied (sometimes): some replica applies a request.
"""

from __future__ import annotations

from spec.smr.state import Stamp, State


def _name(stamp: Stamp) -> str:
    return f"{stamp[0]}.c{stamp[1] + 1}"


def agreement(s: State) -> str | None:
    logs = [x.log for x in s.replicas]
    for i, a in enumerate(logs):
        for j in range(i + 1, len(logs)):
            b = logs[j]
            n = min(len(a), len(b))
            if a[:n] != b[:n]:
                at = next(k for k in range(n) if a[k] != b[k])
                return (
                    f"r{i + 1} and r{j + 1} applied different requests at position {at + 1}:"
                    f" {_name(a[at])} and {_name(b[at])}"
                )
    return None


def order(s: State) -> str | None:
    for i, x in enumerate(s.replicas):
        for k in range(1, len(x.log)):
            if x.log[k - 1] >= x.log[k]:
                return (
                    f"r{i + 1} applied {_name(x.log[k])} after {_name(x.log[k - 1])},"
                    " against timestamp order"
                )
    return None


def causal_order(s: State) -> str | None:
    for i, x in enumerate(s.replicas):
        applied: set[Stamp] = set()
        for stamp in x.log:
            clock, c = stamp
            request = next((q for q in s.requests[c] if q.clock == clock), None)
            if request is not None:
                for j, count in enumerate(request.deps):
                    for before in s.requests[j][:count]:
                        if (before.clock, j) not in applied:
                            return (
                                f"r{i + 1} applied {_name(stamp)} before"
                                f" {_name((before.clock, j))}, which happened before it"
                            )
            applied.add(stamp)
    return None


def validity(s: State) -> str | None:
    sent = {(q.clock, c) for c, requests in enumerate(s.requests) for q in requests}
    for i, x in enumerate(s.replicas):
        if len(set(x.log)) < len(x.log):
            twice = next(e for e in x.log if x.log.count(e) > 1)
            return f"r{i + 1} applied {_name(twice)} twice"
        for stamp in x.log:
            if stamp not in sent:
                return f"r{i + 1} applied {_name(stamp)}, which no client sent as a request"
    return None


def request_applied(s: State) -> bool:
    return any(x.log for x in s.replicas)
