"""`check run` and `check shell` check their own trace when they end, and the
standard suite checks one recorded faulty run with role changes.

    where = start_trace(trace_out, check)       # a temporary file if no --trace-out
    ... record the run to where.path ...
    sys.exit(finish_trace(where, code))         # checks it, prints the verdict

A trace that diverges is kept (its path is printed), so `check trace` can be
run on it again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import click

from checker.cli.registry import lookup
from checker.cli.suite import suite_part
from checker.cli.trace import check_file

# The token protocol is the one impl/ implements.
PROTOCOL = "tokens"


def check_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--check/--no-check",
        default=True,
        show_default=True,
        help="At the end, check the run's trace against the specification (check trace).",
    )(f)


class TracePath:
    """Where a run is recorded, and whether it is checked at the end."""

    def __init__(self, path: str | None, check: bool, temporary: bool) -> None:
        self.path = path
        self.check = check
        self.temporary = temporary


def start_trace(trace_out: str | None, check: bool) -> TracePath:
    """--trace-out, or a temporary file when the run checks its trace without
    one (deleted by `finish_trace` unless it diverged)."""
    if trace_out is not None or not check:
        return TracePath(trace_out, check, temporary=False)
    fd, path = tempfile.mkstemp(prefix="tokencheck-", suffix=".jsonl")
    os.close(fd)
    return TracePath(path, check, temporary=True)


def finish_trace(where: TracePath, code: int) -> int:
    """After the run (exit `code`): check its trace if asked; the worse code."""
    if not where.check or where.path is None:
        return code
    verdict = conformance_verdict(where)
    if where.temporary and verdict == 0:
        with contextlib.suppress(OSError):
            os.remove(where.path)
    return worst(code, verdict)


def conformance_verdict(where: TracePath) -> int:
    """Check the recorded trace; print the verdict (and any divergence);
    return 0 if it conforms, else 1 (a run's own trace that cannot be read is
    a failure of the run, not bad usage)."""
    assert where.path is not None
    code, lines = check_file(where.path, lookup(PROTOCOL))
    name = "the run's trace" if where.temporary and code == 0 else f"trace {where.path}"
    for line in lines:
        if line.startswith(f"trace {where.path}: "):
            line = f"conformance: {name}: {line[len(where.path) + 8 :]}"
        click.echo(line)
    if code != 0 and where.temporary:
        click.echo(f"conformance: the trace is kept in {where.path}")
    return min(code, 1)


def worst(*codes: int) -> int:
    """A failure of either the run or its conformance fails the command."""
    return max(codes)


@suite_part("implementation conformance")
def conformance_part() -> int:
    """One recorded threaded run, 5 servers with 2 faulty losing 30% of their
    messages and 3 role changes, checked against the specification."""
    from impl.tokens.config import Params
    from impl.tokens.recorder import Recorder
    from impl.tokens.workload import Workload, run_workload

    params = Params(servers=5, drop=0.3, max_delay=0.001, seed=1)
    workload = Workload(requests=150, max_interval=0.001, role_changes=3)
    where = start_trace(None, check=True)
    assert where.path is not None
    with open(where.path, "w", encoding="utf-8") as sink:
        header = {"mode": "threaded", "seed": 1, "command": "run", "params": params.to_json()}
        report = run_workload(params, workload, recorder=Recorder(sink=sink, header=header))
    click.echo(
        "check run --servers 5 --drop 0.3 --delay 0.001 --role-changes 3 --requests 150 --seed 1"
        f" (faulty {', '.join(params.faulty_names())}): {report.lines[-1]}"
    )
    return finish_trace(where, report.exit_code)
