"""`check simulate`'s figures on issue 13's target, S3a with reconfigs=2
(no scenario): how fast each policy walks, and how often its walks break
ReadNotStale under the two-change mutants.

    python3 benchmarks/bench_simulate.py                       # speed only
    python3 benchmarks/bench_simulate.py --rate 250 --policy hold

Speed: walks and steps per CPU second (`time.process_time`, steadier than
wall time on a shared machine) for 3,000 walks of depth 60 per policy, and
for swarm once more with no property checked, to show what the checks cost.
Rate (`--rate SECONDS`): walks of no-epoch-check, in batches of 1,000 with
seeds from 1001, for that many CPU seconds; each batch stops at its first
violation (not shortened here), so walks per violation is walks / hits.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import checker.simulate as simulation
from checker.model import Model
from spec.tokens import PROTOCOL


def target(mutant: str) -> Model[Any, Any]:
    """S3a with reconfigs=2 and the mutant: no scenario fixes the workload."""
    config = dataclasses.replace(PROTOCOL.standard("S3a").config, reconfigs=2)
    return PROTOCOL.build(PROTOCOL.mutated(config, PROTOCOL.mutant(mutant)))


class Unchecked:
    """The model with no property: what the walks cost without the checks."""

    def __init__(self, model: Model[Any, Any]) -> None:
        self.model = model
        self.invariants = ()
        self.step_properties = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def speed(policies: list[str]) -> None:
    model = target("no-epoch-check")
    print("policy      walks/CPU-s  steps/CPU-s  (3,000 walks, depth 60, seed 5)")
    runs: list[tuple[str, Any]] = [(p, model) for p in policies]
    runs.append(("swarm, unchecked", Unchecked(model)))
    for name, walked in runs:
        policy = name.split(",")[0]
        cpu = time.process_time()
        cov = simulation.simulate(walked, runs=3000, depth=60, seed=5, policy=policy).coverage
        cpu = time.process_time() - cpu
        print(f"{name:18} {cov.walks / cpu:6,.0f}  {cov.steps / cpu:9,.0f}")


def rate(policies: list[str], budget: float) -> None:
    model = target("no-epoch-check")
    with mock.patch.object(simulation, "shorten", lambda _model, _found: None):
        for policy in policies:
            cpu = time.process_time()
            walks = hits = 0
            seed = 1000
            while time.process_time() - cpu < budget:
                seed += 1
                sim = simulation.simulate(model, runs=1000, depth=60, seed=seed, policy=policy)
                walks += sim.coverage.walks
                hits += sim.found_length is not None
            spent = time.process_time() - cpu
            per = f"{walks // hits:,}" if hits else "none found"
            print(
                f"{policy:10} {walks:,} walks in {spent:.0f} CPU-s, {hits} violations:"
                f" walks per violation {per}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", action="append", choices=simulation.POLICIES)
    parser.add_argument("--rate", type=float, help="CPU seconds of no-epoch-check per policy")
    args = parser.parse_args()
    policies = args.policy or list(simulation.POLICIES)
    if args.rate is None:
        speed(policies)
    else:
        rate(policies, args.rate)


if __name__ == "__main__":
    main()
