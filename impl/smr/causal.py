"""The audit's CausalOrder pass in O(n log n), n the requests in the traces.

What it checks: x happened before y when y's client sent y after an answer
from replica R that had received x (from another client) before applying
the answered request; every log holding y must hold x earlier (a log
without x counts x as past its end). The first violation found, in the
order answers, then y's seq, then replica name, then x's arrival at R, is
the one reported.

Per answer that is a comparison of two numbers per replica r:
- the latest position in r of anything R had received from another client
  before replying: a prefix maximum over R's received list, kept with the
  runner-up from a different client so one client can be left out;
- the earliest position in r of a later request of the same client: a
  suffix minimum over that client's requests in seq order, found by bisect.
Only for the answer that fails are the requests scanned to name the pair.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

Key = tuple[str, int]  # (client, seq)
Log = list[tuple[int, str, int, Any, Any]]  # (clock, client, seq, command, result)
Highs = list[tuple[int, str, int]]  # per prefix: latest position, its client, latest of others


def causal_order(
    applied: dict[str, Log],
    answers: list[tuple[str, Key, str, Any]],
    received: dict[str, list[Key]],
    before_reply: dict[tuple[str, Key], int],
    sent: set[Key],
) -> list[str]:
    """`received[R]` is R's requests in arrival order; `before_reply[(R, k)]`
    how many of them had arrived when R applied k (the last time)."""
    position = {r: {(x[1], x[2]): i for i, x in enumerate(log)} for r, log in applied.items()}
    replicas = sorted(position)
    later: dict[str, list[int]] = {}  # client -> the seqs it sent, ascending
    for client, seq in sorted(sent):
        later.setdefault(client, []).append(seq)
    highs: dict[tuple[str, str], Highs] = {}  # (answering R, replica r) -> prefix maxima
    tails: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    for client, key, replica, _ in answers:
        n = before_reply.get((replica, key), 0)
        if n == 0:
            continue
        bounds = {}  # replica r -> the latest position in r of a cause
        for r in replicas:
            if (replica, r) not in highs:
                highs[(replica, r)] = _prefix_highs(received[replica], position[r])
            top, who, other = highs[(replica, r)][n]
            bounds[r] = top if who != client else other
        for r in replicas:
            if (r, client) not in tails:
                tails[(r, client)] = _suffix_lows(later.get(client, []), client, position[r])
            seqs, lows = tails[(r, client)]
            if lows[bisect_right(seqs, key[1])] < bounds[r]:
                causes = [x for x in received[replica][:n] if x[0] != client]
                return [_name_pair(position, bounds, later[client], client, key, replica, causes)]
    return []


def _prefix_highs(arrivals: list[Key], where: dict[Key, int]) -> Highs:
    """After each prefix of `arrivals`: the latest position in `where` of any
    of them, that request's client, and the latest of any other client's."""
    top, who, other = -1, "", -1
    end = len(where)  # absent from the log: later than everything in it
    out = [(top, who, other)]
    for x in arrivals:
        at = where.get(x, end)
        if x[0] == who:
            top = max(top, at)
        elif at > top:
            top, who, other = at, x[0], top
        else:
            other = max(other, at)
        out.append((top, who, other))
    return out


def _suffix_lows(
    seqs: list[int], client: str, where: dict[Key, int]
) -> tuple[list[int], list[float]]:
    """The client's seqs present in the log, and for each index the earliest
    position of any of them from there on (infinity past the end)."""
    held = [s for s in seqs if (client, s) in where]
    lows: list[float] = [float("inf")] * (len(held) + 1)
    for i in range(len(held) - 1, -1, -1):
        lows[i] = min(lows[i + 1], where[(client, held[i])])
    return held, lows


def _name_pair(
    position: dict[str, dict[Key, int]],
    bounds: dict[str, int],
    seqs: list[int],
    client: str,
    key: Key,
    replica: str,
    causes: list[Key],
) -> str:
    """The first (y, r, x) that fails for this failing answer, in the reported order."""
    for seq in (s for s in seqs if s > key[1]):
        y = (client, seq)
        for r in sorted(position):
            where = position[r]
            if y in where and where[y] < bounds[r]:
                x = next(x for x in causes if where.get(x, len(where)) > where[y])
                return (
                    f"CausalOrder: {r} applied {_name(y)} before {_name(x)},"
                    f" which {replica} had received before answering {_name(key)}"
                )
    raise AssertionError("a failing answer without a failing pair")


def _name(key: Key) -> str:
    return f"{key[0]}#{key[1]}"
