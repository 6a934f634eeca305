"""The `check` command line: `check` alone runs the standard suite.

Exit codes, for every subcommand: 0 every property holds, 1 a property is
violated, 2 bad usage, 3 incomplete (a bound stopped the run).
"""

from __future__ import annotations

import sys

import click

from checker.cli.suite import PARTS, worst_exit_code


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """tokencheck: model-check the token protocol, prove its quorums, and run
    its reference implementation. With no subcommand, run the standard suite."""
    if ctx.invoked_subcommand is not None:
        return
    codes = []
    for part in PARTS:
        click.echo(f"== {part.name}")
        codes.append(part.run())
        click.echo()
    code = worst_exit_code(codes)
    verdict = {0: "all parts hold", 1: "VIOLATED", 3: "INCOMPLETE"}.get(code, f"exit {code}")
    click.echo(f"standard suite: {verdict} ({len(codes)} parts)")
    sys.exit(code)


# Subcommands register themselves with `main.add_command` in their modules;
# each import below adds one command (and, where it has one, a suite part).
from checker.cli.model import model_command  # noqa: E402

main.add_command(model_command)
from checker.cli.mutants import mutants_command  # noqa: E402

main.add_command(mutants_command)
from checker.cli.shell import shell  # noqa: E402

main.add_command(shell)
from checker.cli.run import run  # noqa: E402

main.add_command(run)
