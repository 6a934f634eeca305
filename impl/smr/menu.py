"""The client menu: add, update, query, quit, from a terminal or a pipe.

    add SITE VACCINE DOSES      a delivery: DOSES more of VACCINE at SITE
    update SITE VACCINE DOSES   a stock-take: SITE now has DOSES of VACCINE
    query [SITE]                one site's doses, or every site's
    quit                        leave (the end of input too)

A bad line prints what was wrong and the usage, and sends nothing.
"""

from __future__ import annotations

from typing import Any

from impl.smr.machine import StateMachine, VaccineLog

USAGE = "commands: add SITE VACCINE DOSES | update SITE VACCINE DOSES | query [SITE] | quit"


class BadCommand(Exception):
    """A menu line that is not a command; the text says why and the usage."""


def parse(line: str, machine: StateMachine | None = None) -> dict[str, Any] | None:
    """The command a line asks for; None for quit; BadCommand otherwise."""
    words = line.split()
    if not words:
        raise BadCommand(f"empty line; {USAGE}")
    op, args = words[0].lower(), words[1:]
    if op in ("quit", "exit"):
        return None
    if op in ("add", "update"):
        if len(args) != 3:
            raise BadCommand(f"{op} takes SITE VACCINE DOSES, got {len(args)} words; {USAGE}")
        if not args[2].isascii() or not args[2].isdigit():
            raise BadCommand(f"DOSES must be a whole number, got {args[2]!r}; {USAGE}")
        command: dict[str, Any] = {"op": op, "site": args[0], "vaccine": args[1]}
        command["doses"] = int(args[2])
    elif op == "query":
        if len(args) > 1:
            raise BadCommand(f"query takes at most a SITE, got {len(args)} words; {USAGE}")
        command = {"op": "query", **({"site": args[0]} if args else {})}
    else:
        raise BadCommand(f"unknown command {words[0]!r}; {USAGE}")
    refused = (machine or VaccineLog()).check(command)
    if refused:
        raise BadCommand(f"{refused}; {USAGE}")
    return command


def show(command: dict[str, Any], result: dict[str, Any]) -> str:
    """One line for a result."""
    if command["op"] == "query":
        sites = result.get("sites", {})
        if not sites or not any(sites.values()):
            return f"{command.get('site', 'all sites')}: no doses recorded"
        return "; ".join(
            f"{site}: " + ", ".join(f"{v} {n}" for v, n in sorted(stock.items()))
            for site, stock in sites.items()
            if stock
        )
    return f"{command['site']} {command['vaccine']}: {result['doses']} doses"
