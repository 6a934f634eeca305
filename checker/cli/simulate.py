"""`check simulate`: seeded random walks of one configuration of a protocol.

    check simulate --runs 1000 --depth 60 --seed 1
    check simulate --config S3a --reconfigs 2 --mutant no-epoch-check --trace-out cex.jsonl

The protocol options are `check model`'s (generated from the parameter
record). The same seed gives the same output, byte for byte (the time is
printed on stderr). Exit 0 no violation in these walks (nothing is proven),
1 a property is violated, 2 bad usage, 3 a bound stopped the walks early.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.model import ProtocolCommand, build_config, config_record
from checker.cli.registry import DEFAULT_PROTOCOL
from checker.cli.types import Finite
from checker.model import Model
from checker.protocol import ProtocolSpec
from checker.report import format_counterexample
from checker.result import Verdict
from checker.simulate import POLICIES, SimulationResult, simulate
from checker.trace_file import write_counterexample


def print_simulation(model: Model[Any, Any], sim: SimulationResult, seed: int) -> None:
    result, cov = sim.result, sim.coverage
    click.echo(f"model    {model.name}")
    checks = [p.name for p in model.invariants] + [p.name for p in model.step_properties]
    click.echo(f"checks   {', '.join(checks)} (at every step; liveness is not simulated)")
    ce = result.counterexample
    if ce is not None:
        verdict = (
            f"VIOLATED: {ce.property_name}, a walk of {sim.found_length} steps"
            f" shortened to {ce.length}"
        )
    elif result.verdict is Verdict.INCOMPLETE:
        where = "by Ctrl-C" if result.bound == "interrupted" else f"at {result.bound}"
        verdict = f"INCOMPLETE: stopped {where} after {cov.walks} walks; no violation in them"
    else:
        verdict = f"no violation in {cov.walks} walks (seed {seed}); nothing is proven"
    click.echo(f"verdict  {verdict}")
    click.echo(
        f"coverage {cov.walks:,} walks, {cov.steps:,} steps, {cov.distinct_states:,} distinct"
        f" states, deepest walk {cov.deepest}, {cov.deadlocks:,} ended with nothing enabled"
    )
    taken = ", ".join(f"{kind} {count:,}" for kind, count in cov.taken.items())
    click.echo(f"taken    {taken or 'none'}")
    click.echo(f"never    {', '.join(cov.never_taken) or 'none'} (enabled but never taken)")
    if cov.features is not None:
        click.echo(
            f"corpus   {cov.features:,} coverage features, each with a state that showed it"
            " (walks resume there, rare features first)"
        )
    if ce is not None:
        click.echo()
        click.echo(format_counterexample(model, ce))


@click.command("simulate", cls=ProtocolCommand)
@click.option(
    "--protocol",
    default=DEFAULT_PROTOCOL,
    show_default=True,
    help="The protocol to walk (`check list` shows them); its options follow.",
)
@click.option("--config", "base", help="Start from a standard configuration (`check list`).")
@click.option("--mutant", help="Walk a known bug (`check model --list-mutants`).")
@click.option("--runs", type=click.IntRange(min=1), default=1000, show_default=True, help="Walks.")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Steps per walk at most.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="The random seed.")
@click.option("--max-seconds", type=Finite(min=0, min_open=True), help="Stop after S seconds.")
@click.option(
    "--policy",
    type=click.Choice(POLICIES),
    default="swarm",
    show_default=True,
    help="How a walk picks: swarm (random weights per kind of action), delay"
    " (swarm, and newly enabled actions sometimes held back for a few steps, so"
    " messages arrive late, after other steps), restart (delay, and half the walks"
    " resume from a state an earlier walk reached), hold (swarm, and one action"
    " per walk held back for up to --depth steps), pct (probabilistic concurrency"
    " testing: a random priority per action, the highest enabled one taken, and"
    " --bug-depth - 1 demotions per walk), swarm-pct (pct, priorities skewed"
    " by swarm weights per kind), or guided (coverage-guided: states are kept"
    " per coverage feature, and most walks resume from one, rare features"
    " first, for 1 to 8 swarm steps; --depth bounds each walk's own steps).",
)
@click.option(
    "--bug-depth",
    type=click.IntRange(min=1),
    help="pct and swarm-pct only: the bug depth d, so d - 1 demotions per walk"
    " [default: each walk draws d from 1 to 5].",
)
@click.option(
    "--trace-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the shortened counterexample as JSON Lines (`check model`'s format).",
)
@click.pass_context
def simulate_command(
    ctx: click.Context,
    /,
    protocol: str,
    base: str | None,
    mutant: str | None,
    runs: int,
    depth: int,
    seed: int,
    max_seconds: float | None,
    policy: str,
    bug_depth: int | None,
    trace_out: str | None,
    **parameters: Any,
) -> None:
    """Random walks of one configuration, every invariant and step property
    checked at every step; a violation is printed shortened (loops and
    unneeded steps removed, then replayed). Exit 0 no violation found
    (nothing proven), 1 violated, 2 bad usage, 3 stopped early."""
    if bug_depth is not None and policy not in ("pct", "swarm-pct"):
        raise click.BadParameter(
            f"--bug-depth {bug_depth} needs --policy pct or swarm-pct (the policy is {policy})",
            param_hint="'--bug-depth'",
        )
    spec: ProtocolSpec = ctx.meta["protocol"]
    config = build_config(spec, base, parameters, mutant)
    model = spec.build(config)
    with first_interrupt_stops() as stop:
        sim = simulate(
            model,
            runs=runs,
            depth=depth,
            seed=seed,
            max_seconds=max_seconds,
            should_stop=stop,
            policy=policy,
            bug_depth=bug_depth,
        )
    print_simulation(model, sim, seed)
    click.echo(f"time     {sim.result.stats.seconds:.1f} s", err=True)
    ce = sim.result.counterexample
    if trace_out is not None and ce is not None:
        write_counterexample(trace_out, model, ce, config_record(config), protocol=spec.name)
        click.echo(f"counterexample written to {trace_out}")
    sys.exit(sim.result.verdict.exit_code)
