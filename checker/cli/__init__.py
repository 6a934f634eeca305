"""The `check` command line: `check` alone runs the standard suite.

Exit codes, for every subcommand: 0 every property holds, 1 a property is
violated, 2 bad usage, 3 incomplete (a bound, Ctrl-C, or a worker lost
mid-run stopped the run), 128 + N after signal N (`checker.cli.terminate`).
"""

from __future__ import annotations

import sys
import time

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.lost import worker_loss_is_incomplete
from checker.cli.suite import PARTS, worst_exit_code
from checker.cli.terminate import exit_on_terminate, received
from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig


@click.group(invoke_without_command=True)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes the standard suite may use (default: the cores, at most 4).",
)
@click.pass_context
def main(ctx: click.Context, jobs: int | None) -> None:
    """tokencheck: model-check protocols (`check list` shows them), prove
    quorums, and run the reference implementations. With no subcommand, run
    the standard suite: every protocol's configurations and mutants."""
    if ctx.invoked_subcommand is not None:
        return
    from checker.cli.runs import default_jobs, start_suite_runs

    jobs = jobs or default_jobs()
    started = time.perf_counter()
    codes = []
    with (
        worker_loss_is_incomplete(),
        first_interrupt_stops() as stop,
        start_suite_runs(*suite_runs(), jobs),
    ):
        for part in PARTS:
            if stop():
                click.echo(f"== {part.name}: skipped (interrupted by Ctrl-C)")
                codes.append(3)
                continue
            click.echo(f"== {part.name}")
            codes.append(part.run(jobs))
            click.echo()
    code = worst_exit_code(codes)
    verdict = {0: "all parts hold", 1: "VIOLATED", 3: "INCOMPLETE"}.get(code, f"exit {code}")
    seconds = time.perf_counter() - started
    click.echo(f"standard suite: {verdict} ({len(codes)} parts, {seconds:.0f} s, {jobs} jobs)")
    sys.exit(code)


def entry() -> None:
    """The `check` executable: `main`, with SIGTERM and SIGHUP ending it
    through its cleanup (`checker.cli.terminate`)."""
    exit_on_terminate()
    try:
        main()
    except SystemExit:
        signum = received()
        if signum is not None:  # whatever the code on the way out made of it
            raise SystemExit(128 + signum) from None
        raise


def suite_runs() -> tuple[
    list[tuple[ProtocolSpec, StandardConfig]], list[tuple[ProtocolSpec, MutantSpec]]
]:
    """Every protocol's standard configurations and mutants: the model runs
    of the suite's first two parts."""
    from checker.cli.registry import all_protocols

    protocols = list(all_protocols().values())
    standards = [(p, s) for p in protocols for s in p.standards]
    mutants = [(p, m) for p in protocols for m in p.mutants]
    return standards, mutants


# Subcommands register themselves with `main.add_command` in their modules;
# each import below adds one command (and, where it has one, a suite part).
from checker.cli.model import model_command  # noqa: E402

main.add_command(model_command)
from checker.cli.mutants import mutants_command  # noqa: E402

main.add_command(mutants_command)
from checker.cli.listing import list_command  # noqa: E402

main.add_command(list_command)
from checker.cli.shell import shell  # noqa: E402

main.add_command(shell)
from checker.cli.run import run  # noqa: E402

main.add_command(run)
from checker.cli.quorums import quorums  # noqa: E402

main.add_command(quorums)
from checker.cli.generals import generals  # noqa: E402

main.add_command(generals)
from checker.cli.smr import smr_command  # noqa: E402

main.add_command(smr_command)
from checker.cli.history import history_command  # noqa: E402

main.add_command(history_command)
from checker.cli.trace import trace_command  # noqa: E402

main.add_command(trace_command)
from checker.cli.replay import replay_command  # noqa: E402

main.add_command(replay_command)
from checker.cli.cluster import cluster  # noqa: E402

main.add_command(cluster)
from checker.cli.selfcheck import conformance_part  # noqa: E402, F401  (a suite part)
from checker.cli.simulate import simulate_command  # noqa: E402

main.add_command(simulate_command)
from checker.cli.mutate import mutate_command  # noqa: E402

main.add_command(mutate_command)
