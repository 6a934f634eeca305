"""`check generals shell N`: the threaded generals (impl/generals) and their console.

    printf 'g-state 2 faulty\\nactual-order attack\\ng-kill 1\\nexit\\n' | check generals shell 4

Reads commands from a terminal or a pipe; a bad command prints its usage and
changes nothing. `--trace-out FILE` appends each order's run as JSON Lines,
which `check generals trace FILE` checks against the model.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from checker.cli.types import Finite
from impl.generals.army import MAX_GENERALS, MAX_ROUNDS, Army, RunResult
from impl.generals.shell import Shell


def _lines(stream: TextIO, out: TextIO) -> Iterator[str]:
    """Lines from a pipe, or from a terminal with a prompt."""
    interactive = stream.isatty()
    while True:
        if interactive:
            out.write("generals> ")
            out.flush()
        line = stream.readline()
        if not line:
            return
        yield line.rstrip("\n")


@click.command("shell", short_help="Threaded generals and their console.")
@click.argument("generals", type=click.IntRange(1, MAX_GENERALS))
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the primary's election and of the faulty generals' flips.",
)
@click.option(
    "--rounds",
    type=click.IntRange(0, MAX_ROUNDS),
    default=None,
    help="Run OM(rounds); default: the largest m with n > 3m, for the current n.",
)
@click.option(
    "--timeout",
    type=Finite(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds an order may take before it is reported.",
)
@click.option(
    "--trace-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Append every order's run to this file as JSON Lines.",
)
def shell_command(
    generals: int, seed: int, rounds: int | None, timeout: float, trace_out: Path | None
) -> None:
    """Start GENERALS non-faulty generals, elect a primary at random, and read
    commands (`help` lists them). Exit 1 when an order left the non-faulty
    generals disagreeing although n > 3f, or a general did not decide in time."""
    trace = None
    if trace_out is not None:
        try:
            trace = trace_out.open("w", encoding="utf-8")
        except OSError as error:
            raise click.BadParameter(
                f"cannot write {trace_out}: {error.strerror}", param_hint="'--trace-out'"
            ) from None

    def record(run: RunResult) -> None:
        if trace is not None:
            trace.write("\n".join(run.trace) + "\n")
            trace.flush()

    out = sys.stdout
    army = Army(generals, seed=seed, rounds=rounds, timeout=timeout)
    click.echo(f"{generals} generals started; primary g{army.primary} (seed {seed})")
    try:
        code = Shell(army, out, on_run=record).run(_lines(sys.stdin, out))
    finally:
        if trace is not None:
            trace.close()
    sys.exit(code)
