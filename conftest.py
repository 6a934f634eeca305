"""Tests run the compiled modules when they are built (checker.native).

A test that patches a compiled module's functions or constants is marked
`pure`: compiled code would not see the patch, so it is skipped there and
runs under TOKENCHECK_PURE=1 (CI does both). The doctests of the compiled
modules are collected from their source files only when the source runs.
"""

from __future__ import annotations

import pytest

from checker.native import COMPILED, PURE_VARIABLE, compiled_active, source_path

_SOURCES = {str(source_path(m)) for m in COMPILED}

collect_ignore = sorted(_SOURCES) if compiled_active() else []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    compiled = compiled_active()
    skip = pytest.mark.skip(reason=f"patches a compiled module: run it with {PURE_VARIABLE}=1")
    for item in items:
        if str(item.path) in _SOURCES:  # a doctest of a compiled module
            item.add_marker(pytest.mark.pure)
        if compiled and item.get_closest_marker("pure") is not None:
            item.add_marker(skip)
