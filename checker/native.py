"""The hot modules compiled with mypyc, and when to run their Python source.

`pip install` compiles the modules in `COMPILED` (see setup.py) when mypyc
and a C compiler are at hand; an extension module then sits beside each
source file and Python imports it first. The source runs instead when

- `TOKENCHECK_PURE=1` is set: for `check mutate` and the tests that patch
  a module's functions, since compiled code calls its functions directly
  and never sees a patched or mutated one;
- any compiled module is older than its source, or missing: an edited
  checkout must not run yesterday's code. It is all or nothing, because a
  compiled module calls the other compiled modules' code directly.

`install()` runs once, from `checker/__init__.py`, before any of them is
imported. It reads only file names and times, so it costs microseconds.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# The modules an exploration spends its time in: the engine's loop, the
# Progress check, the token model and the register model (its params module
# is not: it is read once a run). The list is read by setup.py, so it is a plain literal.
COMPILED = (
    "checker.explore",
    "checker.fingerprint",
    "checker.liveness",
    "checker.progress_shards",
    "checker.shard",
    "checker.visited",
    "spec.register.actions",
    "spec.register.model",
    "spec.register.properties",
    "spec.register.state",
    "spec.tokens.client_steps",
    "spec.tokens.delivery",
    "spec.tokens.enabled",
    "spec.tokens.manager_steps",
    "spec.tokens.model",
    "spec.tokens.params",
    "spec.tokens.por",
    "spec.tokens.properties",
    "spec.tokens.server_steps",
    "spec.tokens.state",
    "spec.tokens.symmetry",
)
GROUP = "tokencheck"  # mypyc's shared library is `tokencheck__mypyc`
PURE_VARIABLE = "TOKENCHECK_PURE"

_ROOT = Path(__file__).resolve().parent.parent
_SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def source_path(module: str, root: Path = _ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def source_file(module: str) -> Path:
    """The .py file of any importable module, compiled or not, without
    importing it (a compiled module's `__file__` names its extension)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ImportError(f"no module named {module!r}")
    origin = Path(spec.origin)
    if origin.suffix == ".py":
        return origin
    return origin.with_name(module.rpartition(".")[2] + ".py")


def extension_path(module: str, root: Path = _ROOT) -> Path:
    return source_path(module, root).with_suffix(_SUFFIX)


def group_path(root: Path = _ROOT) -> Path:
    return root / f"{GROUP}__mypyc{_SUFFIX}"


def why_pure(root: Path = _ROOT, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why the sources run instead of the compiled modules, or None when the
    compiled ones run ("not built" when there are none at all)."""
    if environ.get(PURE_VARIABLE, "") not in ("", "0"):
        return f"{PURE_VARIABLE} is set"
    built = [m for m in COMPILED if extension_path(m, root).exists()]
    if not built:
        return "not built"
    if len(built) < len(COMPILED) or not group_path(root).exists():
        return "only part of the compiled modules are there"
    for module in COMPILED:
        source = source_path(module, root)
        if source.stat().st_mtime > extension_path(module, root).stat().st_mtime:
            return f"{source.relative_to(root)} changed after it was compiled"
    return None


class _SourceFinder(importlib.abc.MetaPathFinder):
    """A meta-path finder that loads the listed modules from their .py files."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(fullname))


_reason: str | None = None
_installed = False


def install() -> None:
    """Decide once, before the first import of a listed module, which code runs."""
    global _reason, _installed
    if _installed:
        return
    _installed = True
    _reason = why_pure()
    if _reason is None:
        return
    sys.meta_path.insert(0, _SourceFinder())
    if _reason not in ("not built", f"{PURE_VARIABLE} is set"):
        print(
            f"tokencheck: running the Python source, slower: {_reason}; "
            "`pip install -e .` compiles it again",
            file=sys.stderr,
        )


def compiled_active() -> bool:
    """Whether the compiled modules run in this process."""
    install()
    return _reason is None
