"""The protocols as executable models, one subpackage each, and their registry.

    >>> list(protocols())[:2]
    ['tokens', 'register']
    >>> protocol("tokens").summary.split(",")[0]
    'token payments on majority-quorum replicas'

A protocol is a subpackage `spec/<name>/` whose `PROTOCOL` is a
`checker.protocol.ProtocolSpec`, or an installed package that declares an
entry point in the group `tokencheck.protocols` naming such a descriptor
(`myproto = "myproto:PROTOCOL"`).
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from checker.errors import CheckerError
from checker.protocol import ProtocolSpec, UnknownNameError

BUILTIN = ("tokens", "register", "generals", "smr")
ENTRY_POINT_GROUP = "tokencheck.protocols"


class BadPlugin(CheckerError):
    """An entry point that does not load, or does not name a ProtocolSpec."""


def _checked(found: object, where: str) -> ProtocolSpec:
    if not isinstance(found, ProtocolSpec):
        raise BadPlugin(
            f"{where} is a {type(found).__name__}, not a checker.protocol.ProtocolSpec;"
            " point the entry point at the package's PROTOCOL descriptor"
        )
    return found


def protocols() -> dict[str, ProtocolSpec]:
    """Every protocol: the built-in ones, then the installed plug-ins."""
    return dict(_load())


@cache  # entry points are scanned once per process; installing one needs a new process
def _load() -> dict[str, ProtocolSpec]:
    found = {}
    for name in BUILTIN:
        module = importlib.import_module(f"spec.{name}")
        found[name] = _checked(getattr(module, "PROTOCOL", None), f"spec.{name}.PROTOCOL")
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        where = f"entry point {point.name!r} ({point.value}) in group {ENTRY_POINT_GROUP!r}"
        try:
            loaded = point.load()
        except Exception as error:  # a plug-in's own bug: name it, do not crash
            raise BadPlugin(f"{where} does not load: {type(error).__name__}: {error}") from None
        spec = _checked(loaded, where)
        if spec.name in found:
            raise BadPlugin(f"{where} names protocol {spec.name!r}, which already exists")
        found[spec.name] = spec
    return found


def protocol(name: str) -> ProtocolSpec:
    """One protocol by name, or an error that lists the names that exist."""
    known = protocols()
    if name not in known:
        raise UnknownNameError("protocol", name, list(known))
    return known[name]
