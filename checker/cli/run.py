"""`check run`: a random concurrent workload on the threaded implementation.

    check run --requests 500 --servers 5 --drop 0.3 --role-changes 2 --seed 7

Prints each server's store summary, conservation, the fault-free re-run
compared answer by answer (a report), then the verdict of a linearizability
check of the clients' history against the token ledger. Exit codes: 0 ok (the
history is linearizable and the audit found nothing), 1 a failure, a
non-linearizable history or an unanswered request, 2 bad usage, 3 the
linearizability check timed out.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from checker.cli.shell import make_params, system_options, trace_recorder
from checker.linearizability import TokensModel, check, history_from_events
from checker.linearizability.report import verdict_lines
from impl.tokens.errors import BadCommand
from impl.tokens.workload import Workload, run_workload

LINEARIZABILITY_TIMEOUT = 60.0  # seconds; past it the verdict is unknown (exit 3)


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
    type=click.FloatRange(min=0),
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
def run(
    servers: int,
    delay: float,
    drop: float,
    seed: int,
    faulty: str | None,
    timeout: float,
    trace_out: str | None,
    requests: int,
    max_interval: float,
    role_changes: int,
) -> None:
    """Random pays and gettokens from random clients at random intervals, with
    role changes; then audit the stores and compare with a fault-free re-run."""
    params = make_params(servers, delay, drop, seed, faulty, timeout)
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
    with trace_recorder(trace_out, header, history=True) as recorder:
        if sys.stdout.isatty():
            with click.progressbar(length=requests, label="requests answered") as bar:

                def progress(done: int, total: int) -> None:
                    bar.update(done - bar.pos)

                report = run_workload(params, workload, recorder=recorder, on_progress=progress)
        else:
            report = run_workload(params, workload, recorder=recorder)
    for line in report.lines:
        click.echo(line)
    assert recorder.history is not None
    code = linearizability_verdict(recorder.history, params.to_json(), report.exit_code)
    sys.exit(code)


def linearizability_verdict(
    events: list[dict[str, Any]], params: dict[str, Any], audit_code: int
) -> int:
    """Check the run's client history; print its verdict and the run's. The run
    passes only if the history is linearizable (and the audit found nothing)."""
    history = history_from_events(events, params, source="this run")
    result = check(history, TokensModel(), timeout=LINEARIZABILITY_TIMEOUT, orders=False)
    for line in verdict_lines(history, result)[1:]:
        click.echo(f"linearizability: {line.removeprefix('verdict  ')}")
    # a known failure (1) outranks unknown (3); unknown is never a pass
    code = 1 if 1 in (audit_code, result.exit_code) else max(audit_code, result.exit_code)
    verdict = {0: "OK", 1: "FAILED", 3: "UNKNOWN"}[code]
    click.echo(
        f"verdict: {verdict} (audit {'ok' if audit_code == 0 else 'failed'}, "
        f"history {result.verdict})"
    )
    return code
