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
