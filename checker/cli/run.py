"""`check run`: a random concurrent workload on the threaded implementation.

    check run --requests 500 --servers 5 --drop 0.3 --role-changes 2 --seed 7

Prints each server's store summary, conservation, the fault-free re-run
compared answer by answer, and a verdict. Exit codes: 0 ok, 1 a failure or an
unanswered request, 2 bad usage.
"""

from __future__ import annotations

import json
import sys

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.shell import make_params, system_options, trace_recorder
from checker.cli.types import Finite
from impl.tokens.errors import BadCommand
from impl.tokens.workload import MAX_INTERVAL, Workload, run_workload


@click.command()
@system_options
@click.option(
    "--requests",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Number of requests.",
)
@click.option(
    "--max-interval",
    type=Finite(min=0, max=MAX_INTERVAL),
    default=0.005,
    show_default=True,
    help="Maximum pause between two requests, in seconds (uniform in 0..max).",
)
@click.option(
    "--role-changes",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Role changes spread over the run (a server leaves or a client joins).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def run(
    servers: int,
    delay: float,
    drop: float,
    seed: int,
    faulty: str | None,
    timeout: float,
    fast_read: bool,
    trace_out: str | None,
    requests: int,
    max_interval: float,
    role_changes: int,
    as_json: bool,
) -> None:
    """Random pays and gettokens from random clients at random intervals, with
    role changes; then audit the stores and compare with a fault-free re-run."""
    params = make_params(servers, delay, drop, seed, faulty, timeout, fast_read)
    try:
        workload = Workload(requests=requests, max_interval=max_interval, role_changes=role_changes)
    except BadCommand as error:
        raise click.UsageError(str(error)) from error
    header = {
        "mode": "threaded",
        "seed": seed,
        "command": "run",
        "params": {
            **params.to_json(),
            "requests": requests,
            "max_interval": max_interval,
            "role_changes": role_changes,
        },
    }
    with trace_recorder(trace_out, header) as recorder, first_interrupt_stops() as stop:
        if sys.stdout.isatty() and not as_json:
            with click.progressbar(length=requests, label="requests answered") as bar:

                def progress(done: int, total: int) -> None:
                    bar.update(done - bar.pos)

                report = run_workload(
                    params, workload, recorder=recorder, on_progress=progress, should_stop=stop
                )
        else:
            report = run_workload(params, workload, recorder=recorder, should_stop=stop)
    if as_json:
        click.echo(json.dumps({"params": header["params"], **report.to_json()}, indent=2))
    else:
        for line in report.lines:
            click.echo(line)
    sys.exit(report.exit_code)
