"""The CLI's one window onto the protocols: the registry lookup.

Nothing else in checker/ names spec/ or a protocol; commands get a
`ProtocolSpec` from here and use only its generic surface.
"""

from __future__ import annotations

import click

from checker.errors import CheckerError
from checker.protocol import ProtocolSpec, UnknownNameError

DEFAULT_PROTOCOL = "tokens"


def all_protocols() -> dict[str, ProtocolSpec]:
    """Every protocol, built-in and installed; a broken plug-in is a usage error."""
    from spec import protocols

    try:
        return protocols()
    except CheckerError as error:
        raise click.UsageError(str(error)) from None


def lookup(name: str) -> ProtocolSpec:
    """One protocol by name; unknown names are a usage error on --protocol."""
    from spec import protocol

    try:
        return protocol(name)
    except UnknownNameError as error:
        raise click.BadParameter(str(error), param_hint="'--protocol'") from None
    except CheckerError as error:
        raise click.UsageError(str(error)) from None
