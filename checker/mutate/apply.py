"""Put a mutant in place in memory, and take it out again.

The mutated function is compiled alone, in its module's namespace, and its
code object replaces the original function's `__code__`. Every reference to
the function (a dispatch table, a `from m import f` elsewhere) holds the
same function object, so all of them run the mutant; nothing on disk
changes, and `restore` puts the original code back.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from types import FunctionType

from checker.mutate.operators import Mutant, mutated_function


class MutantError(Exception):
    """A mutant that cannot be put in place (its function is not plain)."""


def _target(module: object, qualname: str) -> FunctionType:
    found: object = module
    for part in qualname.split("."):
        found = getattr(found, part)
    if not isinstance(found, FunctionType):
        raise MutantError(f"{qualname} is a {type(found).__name__}, not a plain function")
    return found


@contextmanager
def applied(mutant: Mutant, sends: tuple[str, ...], quorums: tuple[str, ...]) -> Iterator[None]:
    """Within the block, `mutant.function` runs the mutated code."""
    module = importlib.import_module(mutant.module)
    source = inspect.getsource(module)
    tree = mutated_function(source, mutant.path, mutant, sends, quorums)
    namespace = dict(vars(module))  # names resolve as in the module itself
    exec(compile(tree, mutant.path, "exec"), namespace)
    new = namespace[mutant.function.split(".")[-1]]
    target = _target(module, mutant.function)
    if new.__code__.co_freevars != target.__code__.co_freevars:
        raise MutantError(f"{mutant.function} uses a closure; it cannot be swapped in place")
    original = target.__code__
    target.__code__ = new.__code__
    try:
        yield
    finally:
        target.__code__ = original
