"""Option types shared by the commands.

click's FloatRange lets nan through (every comparison with nan is false) and
inf through an open upper end; `Finite` refuses both, so that `--max-seconds
nan` is a usage error instead of an unbounded run.
"""

from __future__ import annotations

import math
from typing import Any

import click


class Finite(click.FloatRange):
    """A FloatRange of finite numbers only."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give one in {self._describe_range()}",
                      param, ctx)  # fmt: skip
        return super().convert(number, param, ctx)


class WorkerCount(click.ParamType):  # type: ignore[type-arg]  # generic since click 8.5
    """`auto` (None: the engine decides, see `checker.auto`) or 1..64."""

    name = "workers"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            number = value
        elif str(value).strip().lower() == "auto":
            return None
        else:
            try:
                number = int(str(value))
            except ValueError:
                self.fail(f"{value!r} is neither 'auto' nor a whole number of workers"
                          " (1 to 64)", param, ctx)  # fmt: skip
        if number is not None and not 1 <= number <= 64:
            self.fail(f"{value!r} is not in 1 to 64; give a number of workers or 'auto'",
                      param, ctx)  # fmt: skip
        return number
