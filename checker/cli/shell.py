"""`check shell`: drive the reference implementation by hand, or from a script.

    printf 'pay c1 0 c2\\ngettokens c2 c2\\nclose\\n' | check shell --servers 3 --drop 0.5

Exit codes: 0 the run agrees with its fault-free re-run, 1 it differs or an
operation did not complete, 2 bad usage.
"""

from __future__ import annotations

import contextlib
import json
import select
import sys
from collections.abc import Iterator
from typing import TextIO

import click

from checker.cli.selfcheck import check_option, finish_trace, start_trace
from checker.cli.types import Finite
from impl.tokens.config import MAX_DELAY, MAX_SERVERS, MAX_TIMEOUT, MIN_SERVERS, Params
from impl.tokens.errors import BadCommand
from impl.tokens.mutants import MUTANTS
from impl.tokens.recorder import Recorder
from impl.tokens.shell import Shell


def system_options(f: click.decorators.FC) -> click.decorators.FC:
    """The options that build a system, shared by `shell` and `run`."""
    options = [
        click.option(
            "--servers",
            type=click.IntRange(MIN_SERVERS, MAX_SERVERS),
            default=5,
            show_default=True,
            help="Number of servers s1..sN.",
        ),
        click.option(
            "--delay",
            type=Finite(min=0, max=MAX_DELAY),
            default=0.005,
            show_default=True,
            help="Maximum delay of a message, in seconds (each waits uniformly in 0..delay).",
        ),
        click.option(
            "--drop",
            type=Finite(0, 1),
            default=0.3,
            show_default=True,
            help="Probability that a message to or from a faulty server is lost.",
        ),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Seed of every random choice."
        ),
        click.option(
            "--faulty",
            default=None,
            metavar="S1,S2|none",
            help="Faulty servers; default: maxf(n) of them chosen from the seed.",
        ),
        click.option(
            "--timeout",
            type=Finite(min=0, min_open=True, max=MAX_TIMEOUT),
            default=10.0,
            show_default=True,
            help="Seconds an operation may take; then it is reported with the servers that "
            "did not answer.",
        ),
        click.option(
            "--mutant",
            type=click.Choice(sorted(MUTANTS)),
            default=None,
            help="Build the implementation with this known bug (PROTOCOL.md section 6).",
        ),
        click.option(
            "--fast-read",
            is_flag=True,
            help="The fast-read variant: skip the write-back of tokens on which all q(n) "
            "read replies agree.",
        ),
        click.option(
            "--trace-out",
            type=click.Path(dir_okay=False, writable=True),
            default=None,
            help="Write every event as JSON Lines to this file (format in the README).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def make_params(
    servers: int,
    delay: float,
    drop: float,
    seed: int,
    faulty: str | None,
    timeout: float,
    mutant: str | None = None,
    fast_read: bool = False,
) -> Params:
    """Params from CLI options; a bad combination is a usage error (exit 2)."""
    names: tuple[str, ...] | None = None
    if faulty is not None:
        names = (
            ()
            if faulty.strip().lower() == "none"
            else tuple(x.strip() for x in faulty.split(",") if x.strip())
        )
    try:
        return Params(
            servers=servers,
            faulty=names,
            max_delay=delay,
            drop=drop,
            seed=seed,
            timeout=timeout,
            mutant=mutant,
            fast_read=fast_read,
        )
    except BadCommand as error:
        raise click.UsageError(str(error)) from error


@contextlib.contextmanager
def trace_recorder(path: str | None, header: dict[str, object], history: bool = False):  # type: ignore[no-untyped-def]
    """A Recorder writing to `path` (or counting only, without a path); with
    `history`, it also keeps the client events for a linearizability check."""
    if path is None:
        yield Recorder(history=history)
        return
    try:
        sink: TextIO = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as error:
        raise click.BadParameter(
            f"cannot write {path}: {error.strerror}", param_hint="--trace-out"
        ) from error
    try:
        yield Recorder(sink=sink, header=header, history=history)
    finally:
        sink.close()


@click.command()
@system_options
@click.option(
    "--step",
    is_flag=True,
    help="Step-by-step mode: a seeded scheduler delivers or drops one message at a time "
    "(same seed, same trace).",
)
@check_option
@click.option(
    "--cluster",
    "cluster_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Drive the live cluster in this data folder (check cluster up) instead of threads.",
)
@click.option(
    "--json", "as_json", is_flag=True,
    help="Print a JSON summary on stdout (the session's text goes to stderr).",
)  # fmt: skip
def shell(
    servers: int,
    delay: float,
    drop: float,
    seed: int,
    faulty: str | None,
    timeout: float,
    mutant: str | None,
    fast_read: bool,
    trace_out: str | None,
    step: bool,
    check: bool,
    cluster_dir: str | None,
    as_json: bool,
) -> None:
    """Manual mode: type pay, gettokens, transform, status, token_status, faults,
    help, close. Reads a terminal or a pipe; `close` compares with a fault-free
    re-run."""
    if cluster_dir is not None:
        from checker.cli.cluster import run_cluster_shell

        sys.exit(run_cluster_shell(cluster_dir, timeout))
    params = make_params(servers, delay, drop, seed, faulty, timeout, mutant, fast_read)
    mode = "step" if step else "threaded"
    stdin = sys.stdin
    interactive = stdin.isatty()
    header = {"mode": mode, "seed": seed, "command": "shell", "params": params.to_json()}
    where = start_trace(trace_out, check)
    with trace_recorder(where.path, header) as recorder:
        if interactive:
            faulty_names = ", ".join(params.faulty_names()) or "none"
            click.echo(
                f"tokencheck shell: {servers} servers, faulty {faulty_names}; `help` lists commands"
            )
        text_out = sys.stderr if as_json else sys.stdout
        session = Shell(params, text_out, mode=mode, recorder=recorder)
        lines = terminal_lines() if interactive else iter(stdin.readline, "")
        code = session.run(lines)
        ignored = 0
        if not interactive:
            ignored = count_lines_left(stdin)
            if ignored:
                click.echo(f"{ignored} lines after close were ignored", err=as_json)
    # With --json, stdout is the summary alone: the trace check's lines go to stderr.
    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        code = finish_trace(where, code)
    if as_json:
        summary = {"params": params.to_json(), "ignored": ignored, **session.summary}
        click.echo(json.dumps({**summary, "exit_code": code}, indent=2))
    sys.exit(code)


def terminal_lines() -> Iterator[str]:
    """Lines typed at a terminal, with line editing and history (readline)."""
    with contextlib.suppress(ImportError):  # not on every platform
        import readline  # noqa: F401 - importing it gives input() editing and history
    while True:
        try:
            yield input("> ") + "\n"
        except EOFError:  # Ctrl-D: end the prompt's line, so the summary starts a new one
            click.echo()
            return


def count_lines_left(stream: TextIO, wait: float = 0.1) -> int:
    """Non-blank lines still readable after `close`, without blocking on a
    pipe that stays open (each read waits at most `wait` seconds)."""
    count = 0
    try:
        while select.select([stream], [], [], wait)[0]:
            line = stream.readline()
            if not line:
                break
            count += bool(line.strip()) and not line.lstrip().startswith("#")
    except (OSError, ValueError, TypeError):  # not selectable (a test's StringIO): nothing counted
        return count
    return count
