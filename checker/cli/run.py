"""`check run`: a random concurrent workload on the threaded implementation.

    check run --requests 500 --servers 5 --drop 0.3 --role-changes 2 --seed 7

Prints each server's store summary, conservation, the fault-free re-run
compared answer by answer (a report), the conformance of the run's trace to
the specification (unless --no-check), then the verdict of a linearizability
check of the clients' history against the token ledger. Exit codes: 0 ok (the
history is linearizable, the trace conforms and the audit found nothing), 1 a
failure, a non-linearizable history, a divergent trace or an unanswered
request, 2 bad usage, 3 the linearizability check timed out or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import click

from checker.cli.interrupt import first_interrupt_stops
from checker.cli.selfcheck import check_option, finish_trace, start_trace
from checker.cli.shell import make_params, system_options, trace_recorder
from checker.cli.types import Finite
from checker.linearizability import TokensModel, check, history_from_events
from checker.linearizability.report import verdict_lines
from impl.tokens.errors import BadCommand
from impl.tokens.workload import MAX_INTERVAL, Workload, run_workload

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
@check_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def run(
    servers: int,
    delay: float,
    drop: float,
    seed: int,
    faulty: str | None,
    timeout: float,
    mutant: str | None,
    fast_read: bool,
    trace_out: str | None,
    requests: int,
    max_interval: float,
    role_changes: int,
    check: bool,
    as_json: bool,
) -> None:
    """Random pays and gettokens from random clients at random intervals, with
    role changes; then audit the stores, check the run's trace and history,
    and compare with a fault-free re-run."""
    params = make_params(servers, delay, drop, seed, faulty, timeout, mutant, fast_read)
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
    where = start_trace(trace_out, check)
    with (
        trace_recorder(where.path, header, history=True) as recorder,
        first_interrupt_stops() as stop,
    ):
        if sys.stdout.isatty() and not as_json:
            with click.progressbar(length=requests, label="requests answered") as bar:

                def progress(done: int, total: int) -> None:
                    bar.update(done - bar.pos)

                report = run_workload(
                    params, workload, recorder=recorder, on_progress=progress, should_stop=stop
                )
        else:
            report = run_workload(params, workload, recorder=recorder, should_stop=stop)
    if not as_json:
        for line in report.lines:
            click.echo(line)
    assert recorder.history is not None
    # With --json, stdout is the summary alone: the checks' lines go to stderr.
    quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    with quiet:
        trace_code = finish_trace(where, 0) if where.check else None
        code = linearizability_verdict(
            recorder.history, params.to_json(), report.exit_code, trace_code
        )
    if as_json:
        summary = {"params": header["params"], **report.to_json(), "exit_code": code}
        summary["trace_conforms"] = None if trace_code is None else trace_code == 0
        click.echo(json.dumps(summary, indent=2))
    sys.exit(code)


def linearizability_verdict(
    events: list[dict[str, Any]],
    params: dict[str, Any],
    audit_code: int,
    trace_code: int | None = None,
) -> int:
    """Check the run's client history; print its verdict and the run's. The run
    passes only if the history is linearizable, the audit found nothing, and
    (when it was checked: `trace_code` not None) its trace conforms."""
    history = history_from_events(events, params, source="this run")
    result = check(history, TokensModel(), timeout=LINEARIZABILITY_TIMEOUT, orders=False)
    for line in verdict_lines(history, result)[1:]:
        click.echo(f"linearizability: {line.removeprefix('verdict  ')}")
    codes = (audit_code, result.exit_code, trace_code or 0)
    # a known failure (1) outranks unknown (3); unknown is never a pass
    code = 1 if 1 in codes else max(codes)
    # 3 is an interrupted run (the audit's) or a history check that timed out
    verdict = {0: "OK", 1: "FAILED", 3: "INCOMPLETE" if audit_code == 3 else "UNKNOWN"}[code]
    audit = {0: "ok", 3: "incomplete"}.get(audit_code, "failed")
    parts = [f"audit {audit}", f"history {result.verdict}"]
    if trace_code is not None:
        parts.append(f"trace {'conforms' if trace_code == 0 else 'diverges'}")
    click.echo(f"verdict: {verdict} ({', '.join(parts)})")
    return code
