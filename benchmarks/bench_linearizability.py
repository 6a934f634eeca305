"""Time the linearizability check of large token histories, fast path and
general search, and the memory each takes.

    python3 benchmarks/bench_linearizability.py              # the three cases
    python3 benchmarks/bench_linearizability.py --general 30 # also the general
                                                             # search, 30 s cap each
    python3 benchmarks/bench_linearizability.py --case 3 --general 120  # the hot case

Histories are generated concurrent runs: each client performs operations one
after another (each lasting 1 to 10 time units, with pauses of 0 to 2), each
taking effect at a random moment of its interval; the ledger applied in that
order gives the answers, so every history is linearizable. 70% pays (80% of
a token the client owns) and 30% gettokens; in the hot case, half of all
operations are pays of tokens 0 and 1 by any client. Times exclude reading
the file (printed apart); `check` is wall time, `cpu` this process's CPU time
(the machine is shared: cpu is the figure that does not depend on the load),
ops/s is per CPU second; memory is tracemalloc's peak in a second run.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from checker.linearizability import TokensModel, check, read_history


def generate(
    ops: int, clients: int, tokens: int = 60, hot_share: float = 0.0, seed: int = 1
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = [f"c{i + 1}" for i in range(clients)]
    clock = {c: rng.uniform(0, 2) for c in names}
    intervals = []
    for i in range(ops):
        c = names[i % clients]
        call = clock[c]
        ret = call + rng.uniform(1, 10)
        clock[c] = ret + rng.uniform(0, 2)
        intervals.append((rng.uniform(call, ret), call, ret, c))
    intervals.sort()  # by the moment each takes effect
    state = {t: (1, f"c{t % clients + 1}") for t in range(tokens)}
    owned: dict[str, set[int]] = {c: set() for c in names}
    for t, (_, o) in state.items():
        owned[o].add(t)
    rows: list[dict[str, Any]] = []
    for _, call, ret, c in intervals:
        roll = rng.random()
        if roll < hot_share or roll < hot_share + (1 - hot_share) * 0.7:
            if roll < hot_share:
                t = rng.randrange(2)
            elif owned[c] and rng.random() < 0.8:
                t = rng.choice(sorted(owned[c]))
            else:
                t = rng.randrange(tokens)
            to = rng.choice(names)
            v, o = state[t]
            if o == c:
                state[t] = (v + 1, to)
                owned[c].discard(t)
                owned[to].add(t)
                out: dict[str, Any] = {"answer": "OK", "version": v + 1}
            else:
                out = {"answer": "NOT_OWNER", "version": v, "owner": o}
            op, args = "pay", {"token": t, "to": to}
        else:
            owner = rng.choice(names)
            op, args = "gettokens", {"owner": owner}
            out = {"answer": "TOKENS", "tokens": [[t, state[t][0]] for t in sorted(owned[owner])]}
        rows.append({"process": c, "type": "invoke", "op": op, "args": args, "time": call})
        rows.append({"process": c, "type": "ok", "output": out, "time": ret})
    rows.sort(key=lambda r: r["time"])
    header = {
        "format": "tokencheck-history",
        "version": 1,
        "model": "tokens",
        "init": {"tokens": tokens, "clients": clients},
    }
    return [header, *rows]


CASES = [
    ("100,000 ops, 60 tokens, 6 clients", dict(ops=100_000, clients=6)),
    ("100,000 ops, 60 tokens, 64 clients", dict(ops=100_000, clients=64)),
    ("50,000 ops, 64 clients, 2 hot tokens take half", dict(ops=50_000, clients=64, hot_share=0.5)),
]


def measure(path: Path, fast: bool, timeout: float | None) -> tuple[str, float, float, float]:
    history = read_history(path)
    started, cpu = time.perf_counter(), time.process_time()
    result = check(history, TokensModel(), timeout=timeout, fast=fast, orders=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    check(history, TokensModel(), timeout=timeout, fast=fast, orders=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result.verdict, seconds, cpu, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--general",
        type=float,
        default=None,
        metavar="SECONDS",
        help="also time the general search, capped at SECONDS each",
    )
    parser.add_argument(
        "--case",
        type=int,
        choices=range(1, len(CASES) + 1),
        default=None,
        help="run only this case (1, 2 or 3)",
    )
    args = parser.parse_args()
    print(
        f"{'case':<48} {'checker':<8} {'verdict':<8} {'read':>7} {'check':>8} {'cpu':>8} "
        f"{'ops/s':>10} {'peak MiB':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, params) in enumerate(CASES, start=1):
            if args.case is not None and number != args.case:
                continue
            rows = generate(**params)  # type: ignore[arg-type]
            path = Path(tmp) / "h.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
            started = time.perf_counter()
            history = read_history(path)
            read = time.perf_counter() - started
            ops = len(history.operations)
            runs = [("fast", True, None)]
            if args.general is not None:
                runs.append(("general", False, args.general))
            for label, fast, timeout in runs:
                verdict, seconds, cpu, peak = measure(path, fast, timeout)
                assert verdict in ("ok", "unknown"), verdict  # generated histories linearize
                print(
                    f"{name:<48} {label:<8} {verdict:<8} {read:>6.2f}s {seconds:>7.2f}s "
                    f"{cpu:>7.2f}s {ops / cpu:>10,.0f} {peak:>9.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
