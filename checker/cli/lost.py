"""A worker process lost mid-run (the out-of-memory killer, a signal) ends
the command with a message and exit 3, no verdict, instead of click's bare
"Aborted!" and exit 1, which scripts would read as a violation.

    with worker_loss_is_incomplete():
        model, result = check_config(spec, config, workers=2)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import click

from checker.errors import WorkerLost

NO_VERDICT = 3  # as INCOMPLETE: the run ended without deciding


@contextmanager
def worker_loss_is_incomplete() -> Iterator[None]:
    try:
        yield
    except WorkerLost as error:
        click.echo(f"\nerror: {error}", err=True)
        sys.exit(NO_VERDICT)
    except BrokenProcessPool:  # the suite's pool: which run it held is unknown
        click.echo(
            "\nerror: a process of the suite's pool ended mid-run (killed: see `dmesg`"
            " if the machine ran out of memory): no verdict; try `check --jobs 1`",
            err=True,
        )
        sys.exit(NO_VERDICT)
