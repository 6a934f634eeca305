"""The replicated state machine, behind a small interface: any deterministic
`StateMachine` can be plugged into a replica.

    >>> log = VaccineLog()
    >>> log.apply({"op": "add", "site": "north", "vaccine": "mmr", "doses": 5})
    {'ok': True, 'doses': 5}
    >>> log.apply({"op": "query", "site": "north"})
    {'ok': True, 'sites': {'north': {'mmr': 5}}}

The seed's vaccine availability log: sites, vaccines at each site, and the
doses available. `add` adds doses (a delivery), `update` sets the count (a
stock-take), `query` reads one site, or every site without one. A command a
machine refuses (`check` returns why) is never submitted; `apply` of a
checked command must be deterministic, so that every replica answers alike.
"""

from __future__ import annotations

from typing import Any, Protocol

MAX_DOSES = 10**9
MAX_NAME = 64


class StateMachine(Protocol):
    def check(self, command: dict[str, Any]) -> str | None:
        """None for a command `apply` accepts, else why it is refused."""
        ...

    def apply(self, command: dict[str, Any]) -> dict[str, Any]:
        """Apply a checked command; the result is the client's answer."""
        ...


def _name_error(command: dict[str, Any], field: str) -> str | None:
    value = command.get(field)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME or not value.isprintable():
        return f"{field!r} must be a non-empty printable name of at most {MAX_NAME} characters"
    return None


class VaccineLog:
    """Doses available per site and vaccine."""

    def __init__(self) -> None:
        self.sites: dict[str, dict[str, int]] = {}

    def check(self, command: dict[str, Any]) -> str | None:
        op = command.get("op")
        if op == "query":
            site = command.get("site")
            return None if site is None else _name_error(command, "site")
        if op not in ("add", "update"):
            return f"unknown op {op!r}; known: add, update, query"
        for field in ("site", "vaccine"):
            error = _name_error(command, field)
            if error:
                return error
        doses = command.get("doses")
        if not isinstance(doses, int) or isinstance(doses, bool) or not 0 <= doses <= MAX_DOSES:
            return f"'doses' must be an integer in 0..{MAX_DOSES}"
        return None

    def apply(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command["op"]
        if op == "query":
            site = command.get("site")
            if site is None:
                return {"ok": True, "sites": {s: dict(v) for s, v in sorted(self.sites.items())}}
            return {"ok": True, "sites": {site: dict(self.sites.get(site, {}))}}
        stock = self.sites.setdefault(command["site"], {})
        before = stock.get(command["vaccine"], 0)
        after = before + command["doses"] if op == "add" else command["doses"]
        stock[command["vaccine"]] = after
        return {"ok": True, "doses": after}
