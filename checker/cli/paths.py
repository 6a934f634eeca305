"""Output paths are checked before a run starts, so that a long run never
ends in an unwritable file (exit 2, naming the option and the fix).

    writable_path("/nonexistent/dir/f", "--trace-out")   # raises click.BadParameter
"""

from __future__ import annotations

import os

import click


def writable_path(path: str, option: str) -> str:
    """`path` if a file can be written there now; else a usage error naming `option`."""
    if os.path.isdir(path):
        raise click.BadParameter(f"{path} is a directory; name a file", param_hint=f"'{option}'")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise click.BadParameter(
            f"cannot write {path}: directory {parent} does not exist; create it or name "
            "another file",
            param_hint=f"'{option}'",
        )
    target = path if os.path.exists(path) else parent
    if not os.access(target, os.W_OK):
        raise click.BadParameter(
            f"cannot write {path}: permission denied; name a file you can write",
            param_hint=f"'{option}'",
        )
    return path
