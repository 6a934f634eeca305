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

from checker.cli.runs import MutantRun, default_jobs, run_mutants, violated_property
from checker.cli.suite import suite_part, worst_exit_code
from checker.progress import ProgressLine
from checker.report import format_counterexample
from spec.tokens.mutants import CATALOG, MUTANTS

HEADER = (
    f"{'mutant':<18} {'config':<6} {'expected':<28} {'violated':<14} {'length':>6}"
    f" {'states':>10} {'time':>8}  status"
)


def mutant_row(run: MutantRun) -> str:
    r = run.result
    ce = r.counterexample
    got = violated_property(r) or ("none" if r.verdict.value == "verified" else "-")
    length = str(ce.length) if ce else "-"
    return (
        f"{run.mutant.name:<18} {run.mutant.config:<6} {'|'.join(run.mutant.caught_by):<28}"
        f" {got:<14} {length:>6} {r.stats.states:>10,} {r.stats.seconds:>7.1f}s  {run.status}"
    )


def run_table(
    names: list[str],
    jobs: int,
    max_seconds: float | None = None,
    quiet: bool = False,
    echo: Callable[[str], object] = click.echo,
) -> list[MutantRun]:
    """Run the named mutants (all if none), print a row as each finishes in
    catalog order, with a live line on a terminal meanwhile."""
    chosen = [m.name for m in CATALOG if not names or m.name in names]
    echo(HEADER)
    runs = []
    with ProgressLine(enabled=False if quiet else None) as line:
        for run in run_mutants(chosen, jobs, line, max_seconds):
            line.close()
            echo(mutant_row(run))
            runs.append(run)
    return runs


@click.command("mutants")
@click.option("--only", multiple=True, help="Run only this mutant (repeatable).")
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
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
    only: tuple[str, ...],
    max_seconds: float | None,
    jobs: int | None,
    show: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run every mutant of the catalog and check that its property catches it."""
    for name in only:
        if name not in MUTANTS:
            raise click.BadParameter(
                f"unknown mutant {name!r}; known: {', '.join(MUTANTS)}", param_hint="'--only'"
            )
    if as_json:
        runs = run_table(list(only), jobs or default_jobs(), max_seconds, True, lambda _: None)
        click.echo(json.dumps([_as_dict(run) for run in runs], indent=2))
    else:
        runs = run_table(list(only), jobs or default_jobs(), max_seconds, quiet)
        if show:
            for run in runs:
                if run.result.counterexample is not None:
                    click.echo(f"\n== {run.mutant.name}")
                    click.echo(format_counterexample(run.model, run.result.counterexample))
    sys.exit(worst_exit_code([run.exit_code for run in runs]))


def _as_dict(run: MutantRun) -> dict[str, object]:
    ce = run.result.counterexample
    return {
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
