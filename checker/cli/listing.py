"""`check list`: every protocol, with its properties, standard configurations and mutants.

$ check list
tokens: token payments on majority-quorum replicas, ...
  configurations  S1 S2 S3a S3m F2 W3 R2
  mutants         small-quorum no-write-back ...
"""

from __future__ import annotations

import json

import click

from checker.cli.registry import all_protocols
from checker.model import NamedProperty, properties
from checker.protocol import ProtocolSpec


def _properties(protocol: ProtocolSpec) -> tuple[NamedProperty, ...]:
    """The properties of the protocol's model, built with its default parameters."""
    return properties(protocol.build(protocol.params_type()))


def _as_dict(protocol: ProtocolSpec) -> dict[str, object]:
    return {
        "name": protocol.name,
        "summary": protocol.summary,
        "properties": [{"name": p.name, "kind": p.kind.value} for p in _properties(protocol)],
        "parameters": [
            {"name": p.name, "default": p.default, "allowed": p.bounds_text(), "help": p.help}
            for p in protocol.parameters
        ],
        "configurations": [
            {
                "name": s.name,
                "expected": s.expected,
                "purpose": s.purpose,
                "states": s.states,
                "transitions": s.transitions,
            }
            for s in protocol.standards
        ],
        "mutants": [
            {"name": m.name, "change": m.change, "caught_by": list(m.caught_by), "config": m.config}
            for m in protocol.mutants
        ],
    }


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the protocols as JSON on stdout.")
def list_command(as_json: bool) -> None:
    """Every protocol (built in or installed), with its properties, configurations and mutants."""
    protocols = all_protocols()
    if as_json:
        click.echo(json.dumps([_as_dict(p) for p in protocols.values()], indent=2))
        return
    for protocol in protocols.values():
        click.echo(f"{protocol.name}: {protocol.summary}")
        click.echo(f"  parameters      {' '.join(p.option for p in protocol.parameters)}")
        shown = (f"{p.name} ({p.kind.value})" for p in _properties(protocol))
        click.echo(f"  properties      {', '.join(shown)}")
        click.echo(f"  configurations  {' '.join(s.name for s in protocol.standards)}")
        click.echo(f"  mutants         {' '.join(m.name for m in protocol.mutants) or '-'}")
    click.echo(f"{len(protocols)} protocols; `check model --protocol NAME --help` for options")
