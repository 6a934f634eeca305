"""`check mutate`: which one-change bugs in a protocol's step modules do
its properties miss?

    check mutate                          # the token protocol on S1
    check mutate --config W3 --jobs 2 --max-seconds 30
    check mutate --max-mutants 20 --seed 1 --json

The protocol's descriptor names its step modules (`ProtocolSpec.mutation`);
every one-change mutant of their functions (`checker.mutate.operators`) is
checked on a standard configuration where the protocol holds. First the
unmutated protocol runs once with a line tracer: a mutant on a line that
run never executes is reported as not reached, and not run. Exit 0 when
every mutant run is killed or listed as equivalent, 1 when one survives,
3 when one timed out and none survived, 2 on bad usage.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from checker.cli.registry import DEFAULT_PROTOCOL, lookup
from checker.cli.source_rerun import command_line, needs_source, rerun_as_source
from checker.cli.types import Finite
from checker.errors import CheckerError
from checker.explore import explore
from checker.mutate import (
    Mutant,
    Outcome,
    choose,
    list_mutants,
    load_equivalents,
    run_all,
    totals,
)
from checker.mutate.coverage import lines_run
from checker.mutate.run import Totals
from checker.native import source_file
from checker.protocol import MutationTargets, ProtocolSpec, StandardConfig, UnknownNameError
from checker.result import CheckResult, Verdict

NOT_REACHED = "not reached"
STATES_FACTOR = 5  # a mutant run may visit this many times the protocol's states
BASELINE_FACTOR = 10  # the traced unmutated run may take this many times --max-seconds
HEADER = (
    f"{'where':<32} {'operator':<14} {'result':<11} {'by':<14} {'length':>6} {'time':>6}  change"
)


def _targets(protocol: ProtocolSpec) -> MutationTargets:
    if protocol.mutation is None:
        raise click.BadParameter(
            f"protocol {protocol.name!r} names no step modules to mutate;"
            " its descriptor needs mutation=MutationTargets(modules=...)",
            param_hint="'--protocol'",
        )
    return protocol.mutation


def _standard(protocol: ProtocolSpec, name: str | None) -> StandardConfig:
    holding = [s for s in protocol.standards if s.expected is None]
    if name is None:
        if not holding:
            raise click.UsageError(f"protocol {protocol.name!r} has no configuration that holds")
        return holding[0]
    try:
        standard = protocol.standard(name)
    except UnknownNameError as error:
        raise click.BadParameter(str(error), param_hint="'--config'") from None
    if standard.expected is not None:
        raise click.BadParameter(
            f"{standard.name} expects {standard.expected} to be violated; a mutant is killed"
            f" by a violation, so pick one where every property holds:"
            f" {', '.join(s.name for s in holding)}",
            param_hint="'--config'",
        )
    return standard


def _file(mutant: Mutant) -> str:
    return str(source_file(mutant.module))


def _row(mutant: Mutant, outcome: Outcome | None) -> str:
    where = f"{mutant.path}:{mutant.line}"
    if outcome is None:
        status, by, length, seconds = NOT_REACHED, "-", "-", "-"
    else:
        status = outcome.status
        by = outcome.by or "-"
        length = str(outcome.length) if outcome.length is not None else "-"
        seconds = f"{outcome.seconds:.1f}s"
    diff = mutant.diff if len(mutant.diff) <= 110 else mutant.diff[:107] + "..."
    return (
        f"{where:<32} {mutant.operator:<14} {status:<11} {by:<14} {length:>6} {seconds:>6}  {diff}"
    )


def _by_function(mutants: list[Mutant]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for m in mutants:
        key = f"{m.path} {m.function}"
        counts[key] = counts.get(key, 0) + 1
    return list(counts.items())


def _summary(config: str, chosen: int, unreached: int, t: Totals) -> str:
    score = "-" if t.score is None else f"{t.killed}/{t.mutants - t.equivalent} = {t.score:.1%}"
    return (
        f"{config}: {chosen} mutants, {unreached} not reached, {t.mutants} run: killed"
        f" {t.killed} (crashed {t.crashed}), survived {t.survived}, equivalent {t.equivalent},"
        f" timed out {t.timed_out}; mutation score {score}"
    )


def _baseline(
    protocol: ProtocolSpec, standard: StandardConfig, files: set[str], max_seconds: float | None
) -> tuple[CheckResult, set[tuple[str, int]]]:
    # Traced, the protocol's own run is several times slower than a mutant's.
    bound = BASELINE_FACTOR * max_seconds if max_seconds is not None else None
    result, hit = lines_run(
        files, lambda: explore(protocol.build(standard.config), max_seconds=bound)
    )
    if result.verdict is Verdict.INCOMPLETE:
        click.echo(
            f"the unmutated protocol's traced run on {standard.name} stopped at"
            f" {result.bound} ({BASELINE_FACTOR} x --max-seconds); raise --max-seconds",
            err=True,
        )
        sys.exit(3)
    if result.verdict is not Verdict.VERIFIED:
        ce = result.counterexample
        broken = ce.property_name if ce else ", ".join(result.unmet_sometimes)
        click.echo(
            f"the unmutated protocol already violates {broken} on {standard.name}:"
            " fix it before measuring its properties' strength",
            err=True,
        )
        sys.exit(1)
    return result, hit


def _as_dict(mutant: Mutant, outcome: Outcome | None) -> dict[str, Any]:
    return {
        "id": mutant.id,
        "file": mutant.path,
        "line": mutant.line,
        "function": mutant.function,
        "operator": mutant.operator,
        "change": mutant.diff,
        "status": NOT_REACHED if outcome is None else outcome.status,
        "property": None if outcome is None else outcome.by,
        "length": None if outcome is None else outcome.length,
        "states": None if outcome is None else outcome.states,
        "seconds": None if outcome is None else round(outcome.seconds, 3),
        "detail": None if outcome is None else outcome.detail,
    }


@click.command("mutate")
@click.option("--protocol", "protocol_name", help="The protocol (default: tokens).")
@click.option("--config", "config_name", help="A standard configuration where all holds.")
@click.option("--max-mutants", type=click.IntRange(min=1), help="Check a seeded sample of N.")
@click.option(
    "--match", "matches", multiple=True, help="Only mutants whose id contains this (repeatable)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="The sample's seed.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--max-seconds",
    type=Finite(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Bound each run; a stopped mutant run is timed out.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def mutate_command(
    protocol_name: str | None,
    config_name: str | None,
    max_mutants: int | None,
    matches: tuple[str, ...],
    seed: int,
    jobs: int,
    max_seconds: float,
    as_json: bool,
) -> None:
    """Mutate the protocol's step modules one change at a time; check each mutant."""
    protocol = lookup(protocol_name or DEFAULT_PROTOCOL)
    targets = _targets(protocol)
    standard = _standard(protocol, config_name)
    if needs_source(targets.modules):
        rerun_as_source(command_line(click.get_current_context()))
    try:
        equivalents = load_equivalents(targets.equivalents, standard.name)
        mutants = list_mutants(targets)
    except (CheckerError, ImportError, SyntaxError) as error:
        raise click.UsageError(str(error)) from None
    if matches:
        mutants = [m for m in mutants if any(text in m.id for text in matches)]
        if not mutants:
            raise click.BadParameter(
                f"no mutant id contains {' or '.join(map(repr, matches))}", param_hint="'--match'"
            )
    chosen = choose(mutants, max_mutants, seed)
    started = time.perf_counter()
    base, hit = _baseline(protocol, standard, {_file(m) for m in chosen}, max_seconds)
    reached = [m for m in chosen if (_file(m), m.line) in hit]
    echo = (lambda _text: None) if as_json else click.echo
    echo(
        f"{protocol.name} on {standard.name}: the unmutated protocol holds"
        f" ({base.stats.states:,} states, {time.perf_counter() - started:.1f} s traced);"
        f" {len(reached)} of {len(chosen)} mutants are on lines it runs"
    )
    echo(HEADER)
    outcomes: dict[str, Outcome] = {}
    # A mutant whose space outgrows the protocol's many times over is
    # stopped (timed out) rather than explored to --max-seconds.
    max_states = STATES_FACTOR * base.stats.states
    runs = run_all(protocol, standard.config, reached, jobs, max_seconds, equivalents, max_states)
    for outcome in runs:
        outcomes[outcome.mutant.id] = outcome
        echo(_row(outcome.mutant, outcome))
        if outcome.status in ("SURVIVED", "timed out") or outcome.detail:
            echo(f"{'':<32} id: {outcome.mutant.id}")
            if outcome.detail:
                echo(f"{'':<32} {outcome.detail}")
    unreached = [m for m in chosen if m.id not in outcomes]
    t = totals(list(outcomes.values()))
    if as_json:
        report = {
            "protocol": protocol.name,
            "config": standard.name,
            "baseline_states": base.stats.states,
            "mutants": [_as_dict(m, outcomes.get(m.id)) for m in chosen],
            "totals": {
                "mutants": len(chosen),
                "not_reached": len(unreached),
                "run": t.mutants,
                "killed": t.killed,
                "crashed": t.crashed,
                "survived": t.survived,
                "equivalent": t.equivalent,
                "timed_out": t.timed_out,
                "score": t.score,
                "seconds": round(time.perf_counter() - started, 1),
            },
        }
        click.echo(json.dumps(report, indent=2))
    else:
        if unreached:
            click.echo(f"not reached on {standard.name} (lines its run never executes):")
            for function, count in _by_function(unreached):
                click.echo(f"  {function}: {count}")
        click.echo(_summary(standard.name, len(chosen), len(unreached), t))
        click.echo(f"({time.perf_counter() - started:.0f} s, {jobs} job(s))")
    sys.exit(t.exit_code)
