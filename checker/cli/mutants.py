"""`check mutants`: every known bug must be caught by the property its
catalog row names, on the smallest standard configuration that exposes it.

    mutant             expected                    violated       length     states    time  status
    small-quorum       NoDoubleSpend|ReadNotStale  ReadNotStale        8      2,141    0.2s  caught

Exit 1 if any mutant survives or is caught by another property; 3 if a run
hit its --max-seconds bound and nothing failed; 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.registry import DEFAULT_PROTOCOL, all_protocols, lookup
from checker.cli.runs import MutantRun, default_jobs, run_mutants, violated_property
from checker.cli.suite import suite_part, worst_exit_code
from checker.cli.types import Finite
from checker.progress import ProgressLine
from checker.protocol import ProtocolSpec
from checker.report import format_counterexample

HEADER = (
    f"{'mutant':<18} {'config':<6} {'expected':<34} {'violated':<20} {'length':>6}"
    f" {'states':>10} {'time':>8}  status"
)


def mutant_row(run: MutantRun) -> str:
    r = run.result
    ce = r.counterexample
    got = violated_property(r) or ("none" if r.verdict.value == "verified" else "-")
    length = str(ce.length) if ce else "-"
    return (
        f"{run.mutant.name:<18} {run.mutant.config:<6} {'|'.join(run.mutant.caught_by):<34}"
        f" {got:<20} {length:>6} {r.stats.states:>10,} {r.stats.seconds:>7.1f}s  {run.status}"
    )


def run_table(
    names: list[str],
    jobs: int,
    max_seconds: float | None = None,
    quiet: bool = False,
    echo: Callable[[str], object] = click.echo,
    protocols: list[ProtocolSpec] | None = None,
) -> list[MutantRun]:
    """Run the named mutants (all if none) of the given protocols (all if
    None), print a row as each finishes in catalog order, a table per
    protocol, with a live line on a terminal meanwhile."""
    chosen = protocols if protocols is not None else list(all_protocols().values())
    work = [(p, m.name) for p in chosen for m in p.mutants if not names or m.name in names]
    runs = []
    shown = None
    with ProgressLine(enabled=False if quiet else None) as line:
        for run in run_mutants(work, jobs, line, max_seconds):
            line.close()
            if run.protocol.name != shown:
                shown = run.protocol.name
                if len(chosen) > 1:
                    echo(f"-- {shown}")
                echo(HEADER)
            echo(mutant_row(run))
            runs.append(run)
    return runs


@click.command("mutants")
@click.option(
    "--protocol",
    "protocol_name",
    help="Only this protocol's catalog (default: tokens; `all` for every protocol).",
)
@click.option("--only", multiple=True, help="Run only this mutant (repeatable).")
@click.option(
    "--max-seconds",
    type=Finite(min=0, min_open=True),
    help="Bound each mutant's run (a stopped run is incomplete).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to use (default: the cores, at most 4).",
)
@click.option("--show", is_flag=True, help="Print each counterexample.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON on stdout.")
@click.option("--quiet", is_flag=True, help="No progress line.")
def mutants_command(
    protocol_name: str | None,
    only: tuple[str, ...],
    max_seconds: float | None,
    jobs: int | None,
    show: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run every mutant of a protocol's catalog and check that its property catches it."""
    if protocol_name == "all":
        chosen = list(all_protocols().values())
    else:
        chosen = [lookup(protocol_name or DEFAULT_PROTOCOL)]
    known = [m.name for p in chosen for m in p.mutants]
    for name in only:
        if name not in known:
            raise click.BadParameter(
                f"unknown mutant {name!r}; known: {', '.join(known)}", param_hint="'--only'"
            )
    with first_interrupt_stops() as stop:
        if as_json:
            runs = run_table(
                list(only), jobs or default_jobs(), max_seconds, True, lambda _: None, chosen
            )
        else:
            runs = run_table(
                list(only), jobs or default_jobs(), max_seconds, quiet, protocols=chosen
            )
        interrupted = stop()
    if as_json:
        click.echo(json.dumps([_as_dict(run) for run in runs], indent=2))
    else:
        if interrupted:
            stopped = sum(1 for run in runs if run.status == "incomplete")
            click.echo(f"interrupted by Ctrl-C: {stopped} of {len(runs)} runs stopped early")
        if show:
            for run in runs:
                if run.result.counterexample is not None:
                    click.echo(f"\n== {run.mutant.name}")
                    click.echo(format_counterexample(run.model, run.result.counterexample))
    sys.exit(worst_exit_code([run.exit_code for run in runs]))


def _as_dict(run: MutantRun) -> dict[str, object]:
    ce = run.result.counterexample
    return {
        "protocol": run.protocol.name,
        "mutant": run.mutant.name,
        "config": run.mutant.config,
        "expected": list(run.mutant.caught_by),
        "violated": violated_property(run.result),
        "length": ce.length if ce else None,
        "status": run.status,
        "stats": run.result.stats.as_dict(),
    }


@suite_part("mutants")
def mutant_table(jobs: int) -> int:
    return worst_exit_code([run.exit_code for run in run_table([], jobs)])
