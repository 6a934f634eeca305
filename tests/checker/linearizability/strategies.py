"""Histories for the linearizability tests: a sequential execution of a model,
then random intervals around each operation's moment (so the history is
linearizable by construction), written as history-format JSON lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

SPACING = 1000  # time between two consecutive linearization points


@dataclass
class Generated:
    """Rows of the history format, and what the sequential run ended with."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    final: dict[Any, Any] = field(default_factory=dict)  # tokens: t -> (v, owner); register: value
    written: list[tuple[int, int, str]] = field(default_factory=list)  # (token, version, owner)
    end: int = 0  # a time after every row

    def lines(self, extra: list[dict[str, Any]] | None = None) -> list[str]:
        return [json.dumps(r) for r in [self.header, *self.rows, *(extra or [])]]


def _intervals(
    draw: st.DrawFn, processes: list[str], pending_ok: bool
) -> list[tuple[int, int | None]]:
    """(call, ret) for op i at point SPACING*(i+1); a process's ops never overlap."""
    n = len(processes)
    points = [SPACING * (i + 1) for i in range(n)]
    spread = st.integers(1, SPACING * 3)
    bounds: list[tuple[int, int | None]] = []
    last_ret: dict[str, int] = {}
    nxt: dict[int, int | None] = {}
    following: dict[str, int] = {}
    for i in reversed(range(n)):
        nxt[i] = following.get(processes[i])
        following[processes[i]] = i
    for i, p in enumerate(processes):
        low = last_ret.get(p, points[i] - SPACING * 3 - 1)
        call = draw(st.integers(max(low + 1, points[i] - SPACING * 3), points[i] - 1))
        later = nxt[i]
        if later is None:
            if pending_ok and draw(st.integers(0, 5)) == 0:
                bounds.append((call, None))
                continue
            ret = points[i] + draw(spread)
        else:
            mid = (points[i] + points[later]) // 2
            ret = draw(st.integers(points[i] + 1, mid))
        last_ret[p] = ret
        bounds.append((call, ret))
    return bounds


def _rows(
    processes: list[str],
    ops: list[tuple[str, dict[str, Any], dict[str, Any]]],
    bounds: list[tuple[int, int | None]],
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p, (op, args, out), (call, ret) in zip(processes, ops, bounds, strict=True):
        rows.append({"process": p, "type": "invoke", "op": op, "args": args, "time": call})
        if ret is not None:
            rows.append({"process": p, "type": "ok", "output": out, "time": ret})
    rows.sort(key=lambda r: r["time"])
    return rows


@st.composite
def ledger_histories(draw: st.DrawFn, max_ops: int = 12, pending: bool = True) -> Generated:
    tokens = draw(st.integers(1, 2))
    clients = draw(st.integers(2, 3))
    names = [f"c{i + 1}" for i in range(clients)]
    state = {t: (1, f"c{t % clients + 1}") for t in range(tokens)}
    gen = Generated(
        header={
            "format": "tokencheck-history",
            "version": 1,
            "model": "tokens",
            "init": {"tokens": tokens, "clients": clients},
        }
    )
    processes: list[str] = []
    ops: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for _ in range(draw(st.integers(1, max_ops))):
        client = draw(st.sampled_from(names))
        if draw(st.booleans()):
            t = draw(st.integers(0, tokens - 1))
            # mostly pay a token the client owns, so that pays succeed
            if draw(st.integers(0, 3)) and any(o == client for _, o in state.values()):
                t = draw(st.sampled_from([x for x, (_, o) in state.items() if o == client]))
            to = draw(st.sampled_from(names))
            v, owner = state[t]
            if owner == client:
                state[t] = (v + 1, to)
                gen.written.append((t, v + 1, to))
                out = {"answer": "OK", "version": v + 1}
            else:
                out = {"answer": "NOT_OWNER", "version": v, "owner": owner}
            ops.append(("pay", {"token": t, "to": to}, out))
        else:
            owner = draw(st.sampled_from(names))
            listed = [[t, v] for t, (v, o) in sorted(state.items()) if o == owner]
            ops.append(("gettokens", {"owner": owner}, {"answer": "TOKENS", "tokens": listed}))
        processes.append(client)
    bounds = _intervals(draw, processes, pending)
    gen.rows = _rows(processes, ops, bounds)
    if pending:
        gen.rows.extend(_never_applied(draw, processes, bounds, names, tokens))
    gen.final = dict(state)
    gen.end = SPACING * (len(ops) + 10)
    return gen


def _never_applied(
    draw: st.DrawFn,
    processes: list[str],
    bounds: list[tuple[int, int | None]],
    names: list[str],
    tokens: int,
) -> list[dict[str, Any]]:
    """Unfinished pays that did not take effect, after their client's last return."""
    last: dict[str, int | None] = {}
    for p, (_, ret) in zip(processes, bounds, strict=True):
        last[p] = ret
    rows = []
    for p, ret in sorted(last.items()):
        if ret is not None and draw(st.integers(0, 3)) == 0:
            args = {"token": draw(st.integers(0, tokens - 1)), "to": draw(st.sampled_from(names))}
            rows.append(
                {
                    "process": p,
                    "type": "invoke",
                    "op": "pay",
                    "args": args,
                    "time": ret + draw(st.integers(1, 3 * SPACING)),
                }
            )
    return rows


@st.composite
def register_histories(
    draw: st.DrawFn, cas: bool = False, max_ops: int = 10, pending: bool = True
) -> Generated:
    processes = []
    ops: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    value = 0
    fresh = 1
    gen = Generated(
        header={
            "format": "tokencheck-history",
            "version": 1,
            "model": "cas-register" if cas else "register",
            "init": {"value": 0},
        }
    )
    for _ in range(draw(st.integers(1, max_ops))):
        kind = draw(st.sampled_from(["read", "write", "cas"] if cas else ["read", "write"]))
        if kind == "read":
            ops.append(("read", {}, {"value": value}))
        elif kind == "write":
            value, fresh = fresh, fresh + 1  # unique values: a stale read is visible
            ops.append(("write", {"value": value}, {}))
        else:
            expected = draw(st.sampled_from([value, fresh + 100]))
            ok = expected == value
            if ok:
                value, fresh = fresh, fresh + 1
                ops.append(("cas", {"from": expected, "to": value}, {"ok": True}))
            else:
                ops.append(("cas", {"from": expected, "to": fresh + 200}, {"ok": False}))
        processes.append(f"p{draw(st.integers(1, 3))}")
    bounds = _intervals(draw, processes, pending)
    gen.rows = _rows(processes, ops, bounds)
    gen.final = {"value": value}
    gen.end = SPACING * (len(ops) + 10)
    return gen


def appended(
    gen: Generated, process: str, op: str, args: dict[str, Any], output: dict[str, Any]
) -> list[str]:
    """The history plus one operation by a fresh process after everything else."""
    return gen.lines(
        [
            {"process": process, "type": "invoke", "op": op, "args": args, "time": gen.end},
            {"process": process, "type": "ok", "output": output, "time": gen.end + 1},
        ]
    )
