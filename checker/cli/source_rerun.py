"""Run a `check` command again in a child process that runs the Python source.

`check mutate` swaps a step function's code object for a mutated one; the
compiled modules (checker.native) call their functions directly and would
never run the mutant. So in a process where they run, the command starts
itself again with TOKENCHECK_PURE=1 and exits with the child's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import NoReturn

import click

from checker.native import COMPILED, PURE_VARIABLE, compiled_active


def needs_source(modules: tuple[str, ...]) -> bool:
    """Whether patching `modules` needs a process that runs their source."""
    return compiled_active() and any(m in COMPILED for m in modules)


def command_line(ctx: click.Context) -> list[str]:
    """The arguments that give `ctx`'s command the values it has now."""
    args = [ctx.command.name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None:
            continue
        values = value if param.multiple else (value,)
        texts = [repr(v) if isinstance(v, float) else str(v) for v in values]
        if not isinstance(param, click.Option):
            args += texts
        elif param.is_flag:
            args += [param.opts[0]] if value else []
        else:
            for text in texts:
                args += [param.opts[0], text]
    return args


def rerun_as_source(args: list[str]) -> NoReturn:
    """`check ARGS` in a child running the Python source; exit with its code."""
    child = [sys.executable, "-c", "from checker.cli import entry; entry()", *args]
    env = {**os.environ, PURE_VARIABLE: "1"}
    try:
        code = subprocess.run(child, env=env, check=False).returncode
    except KeyboardInterrupt:  # the child got the same Ctrl-C and stops itself
        code = 3
    sys.exit(code if code >= 0 else 3)
