"""Compile the hot modules (checker.native.COMPILED) with mypyc.

Everything else about the package is in pyproject.toml. Compiling is an
optimisation only: without mypyc or a C compiler, or with TOKENCHECK_PURE=1
at install time, the package installs as plain Python and runs the same.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

ROOT = Path(__file__).parent


def _native_constant(name: str) -> Any:
    """A literal of checker/native.py, read without importing the package."""
    tree = ast.parse((ROOT / "checker" / "native.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(name)


def _pure_requested() -> bool:
    return os.environ.get(_native_constant("PURE_VARIABLE"), "") not in ("", "0")


def remove_stale_extensions(compiled: tuple[str, ...]) -> None:
    """Delete extension files an earlier in-place build left for modules no
    longer compiled: Python would import them before the source."""
    keep = {ROOT.joinpath(*m.split(".")) for m in compiled}
    for package in ("checker", "spec"):
        for found in (ROOT / package).rglob("*.so"):
            if found.parent / found.name.split(".")[0] not in keep:
                found.unlink()


def compiled_extensions() -> list[Any]:
    remove_stale_extensions(() if _pure_requested() else _native_constant("COMPILED"))
    if _pure_requested():
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("tokencheck: mypyc is missing; installing plain Python", file=sys.stderr)
        return []
    paths = [str(Path(*m.split(".")).with_suffix(".py")) for m in _native_constant("COMPILED")]
    try:
        extensions = mypycify(paths, opt_level="3", group_name=_native_constant("GROUP"))
    except (Exception, SystemExit) as error:  # mypyc refuses (it exits on type errors)
        print(f"tokencheck: not compiled ({error}); installing plain Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # no C compiler: build_ext warns and goes on
    return extensions


setup(ext_modules=compiled_extensions())
