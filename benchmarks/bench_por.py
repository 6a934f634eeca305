"""Partial-order reduction's figures: states, transitions, CPU time and the
counterexample length, without and with `--por`, for the protocols that
offer ample sets (generals, smr, tokens): their standard configurations, mutants
and a few larger configurations.

    python3 benchmarks/bench_por.py                     # everything
    python3 benchmarks/bench_por.py --protocol smr --max-seconds 60

Both runs check the invariants, step and sometimes properties only (POR
does not check Progress, so the run without it skips Progress too, for a
like-for-like time). CPU seconds are `time.process_time`, steadier than
wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.explore import explore
from spec.generals import PROTOCOL as GENERALS
from spec.generals.params import GeneralsParams
from spec.smr import PROTOCOL as SMR
from spec.smr.params import SmrParams
from spec.tokens import PROTOCOL as TOKENS
from spec.tokens.config import Config as TokenConfig
from spec.tokens.standard import S3A

LARGER: dict[str, list[tuple[str, Any]]] = {
    "generals": [
        ("OM n=5 m=1 t=1", GeneralsParams(generals=5)),
        ("SM n=5 m=1 t=1", GeneralsParams(generals=5, algorithm="sm")),
    ],
    "smr": [
        ("t=2 K=2 req=2", SmrParams(replicas=2, clients=2, requests=2)),
        ("t=3 K=2 req=1", SmrParams(replicas=3, clients=2, requests=1)),
        ("t=2 K=3 req=1", SmrParams(replicas=2, clients=3, requests=1)),
        ("t=2 K=2 req=2 rc=0", SmrParams(replicas=2, clients=2, requests=2, replica_crashes=0)),
        ("t=3 K=2 req=1 rc=0", SmrParams(replicas=3, clients=2, requests=1, replica_crashes=0)),
    ],
    "tokens": [
        ("S4 (servers=4 faulty=1)", TokenConfig(servers=4, faulty=1)),
        ("S3a reconfigs=2 no-epoch", dataclasses.replace(S3A, reconfigs=2, epoch_check=False)),
    ],
}


def configurations(protocol: Any) -> list[tuple[str, Any]]:
    found = [(s.name, s.config) for s in protocol.standards]
    for m in protocol.mutants:
        found.append(
            (f"{m.name}@{m.config}", protocol.mutated(protocol.standard(m.config).config, m))
        )
    return found + LARGER[protocol.name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", choices=["generals", "smr", "tokens"], action="append")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args()
    print(
        f"{'protocol':<9} {'config':<26} {'por':<4} {'verdict':<11} {'property':<12}"
        f" {'length':>6} {'states':>10} {'transitions':>11} {'cpu':>8}"
    )
    for protocol in (GENERALS, SMR, TOKENS):
        if args.protocol and protocol.name not in args.protocol:
            continue
        for name, config in configurations(protocol):
            for por in (False, True):
                started = time.process_time()
                result = explore(
                    protocol.build(config), por=por, liveness=False, max_seconds=args.max_seconds
                )
                cpu = time.process_time() - started
                cex, st = result.counterexample, result.stats
                print(
                    f"{protocol.name:<9} {name:<26} {'on' if por else 'off':<4}"
                    f" {result.verdict.value:<11} {cex.property_name if cex else '-':<12}"
                    f" {cex.length if cex else '-':>6} {st.states:>10,} {st.transitions:>11,}"
                    f" {cpu:>7.2f}s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
