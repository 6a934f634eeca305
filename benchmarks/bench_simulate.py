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
Find (`--find SECONDS`): one run per seed (`--seeds`, default 1 to 5) and
mutant (`--mutant`, default both two-change mutants), up to that many wall
seconds each, as `check simulate --runs 1000000 --max-seconds SECONDS`
does: the time to the violation, the walks, and the walk's length before
and after shortening (the time includes the shortening). Made for the
guided policy, whose corpus grows over a run (`--rate`'s batches of 1,000
walks restart it); with no mutant (`--mutant none`) the correct model's
runs must end clean.

    python3 benchmarks/bench_simulate.py --find 60 --policy guided
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


def find(policies: list[str], budget: float, seeds: list[int], mutants: list[str]) -> None:
    for mutant in mutants:
        if mutant == "none":
            config = dataclasses.replace(PROTOCOL.standard("S3a").config, reconfigs=2)
            model = PROTOCOL.build(config)
        else:
            model = target(mutant)
        for policy in policies:
            for seed in seeds:
                sim = simulation.simulate(
                    model, runs=1_000_000, depth=60, seed=seed, max_seconds=budget, policy=policy
                )
                ce, cov = sim.result.counterexample, sim.coverage
                outcome = (
                    f"found in {sim.result.stats.seconds:.1f} s, {sim.found_length} -> {ce.length}"
                    " steps"
                    if ce is not None
                    else f"{sim.result.verdict.value}, nothing found in {budget:g} s"
                )
                corpus = f", {cov.features:,} features" if cov.features is not None else ""
                print(
                    f"{mutant:18} {policy:9} seed {seed}: {outcome}; {cov.walks:,} walks,"
                    f" {cov.distinct_states:,} states{corpus}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", action="append", choices=simulation.POLICIES)
    parser.add_argument("--rate", type=float, help="CPU seconds of no-epoch-check per policy")
    parser.add_argument("--find", type=float, help="wall seconds per seed and mutant")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument(
        "--mutant",
        action="append",
        choices=("no-epoch-check", "no-state-transfer", "none"),
        help="--find: the mutant (none: the correct model) [default: both mutants]",
    )
    args = parser.parse_args()
    policies = args.policy or list(simulation.POLICIES)
    if args.find is not None:
        find(
            policies, args.find, args.seeds, args.mutant or ["no-epoch-check", "no-state-transfer"]
        )
    elif args.rate is None:
        speed(policies)
    else:
        rate(policies, args.rate)


if __name__ == "__main__":
    main()
