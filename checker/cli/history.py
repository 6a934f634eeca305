"""`check history FILE`: is a recorded history linearizable?

    check history run.jsonl                       # an implementation trace
    check history h.jsonl --model register --timeout 10 --json
    check history run.jsonl --html run.html       # a picture of the history

FILE is the history format (checker/linearizability/reader.py) or a trace
written by `check shell/run --trace-out`. Exit codes: 0 linearizable, 1
illegal, 2 unreadable file or bad usage (one line: the line and the field),
3 unknown (the timeout passed first; never reported as ok).
"""

from __future__ import annotations

import json
import sys

import click

from checker.cli.types import Finite
from checker.linearizability import MODELS, HistoryError, check, read_history
from checker.linearizability.report import verdict_lines, verdict_record


@click.command("history")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--model",
    type=click.Choice(sorted(MODELS)),
    default=None,
    help="Sequential model (default: the file header's model, else tokens).",
)
@click.option(
    "--timeout",
    type=Finite(min=0),
    default=None,
    help="Seconds before giving up: the verdict is then unknown (exit 3).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON on stdout.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write a self-contained HTML picture of the history and the verdict.",
)
@click.option("--general", is_flag=True, help="Tokens: skip the fast path (for comparison).")
def history_command(
    file: str,
    model: str | None,
    timeout: float | None,
    as_json: bool,
    html_out: str | None,
    general: bool,
) -> None:
    """Check that a client history is linearizable: ok, illegal or unknown."""
    try:
        history = read_history(file)
        name = model or history.model or "tokens"
        if name not in MODELS:
            raise HistoryError(file, 1, "model", f"{name!r}: expected one of {sorted(MODELS)}")
        result = check(
            history, MODELS[name](), timeout, fast=not general, orders=html_out is not None
        )
    except HistoryError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    if html_out is not None:
        from checker.pictures.history import write_history_html

        try:
            write_history_html(html_out, history, result)
        except OSError as error:
            click.echo(f"Error: --html {html_out}: cannot write: {error.strerror}", err=True)
            sys.exit(2)
    if as_json:
        click.echo(json.dumps(verdict_record(history, result), default=str))
    else:
        for line in verdict_lines(history, result):
            click.echo(line)
        if html_out is not None:
            click.echo(f"picture written to {html_out}")
    sys.exit(result.exit_code)
