"""The audit of a live cluster's stores, by impl/tokens' own conservation check:
every current server with a store holds every token once, copies of one
version name one owner, and a majority holds each token's latest version.
Servers that do not answer (killed) are left out and named."""

from __future__ import annotations

from dataclasses import dataclass

from impl.cluster.errors import Unreachable
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.tokens.audit import conservation
from impl.tokens.server import Store


@dataclass(frozen=True)
class _Params:
    tokens: int


class Snapshot:
    """The stores of a cluster at one moment, shaped as impl/tokens' audit reads a system."""

    def __init__(
        self, tokens: int, servers: tuple[str, ...], stores: dict[str, Store | None]
    ) -> None:
        self.params = _Params(tokens)
        self._servers = servers
        self._stores = stores

    def servers(self) -> tuple[str, ...]:
        return self._servers

    def stores(self) -> dict[str, Store | None]:
        return self._stores


def snapshot(layout: Layout) -> tuple[Snapshot, list[str]]:
    """The stores of the current servers that answer, and the names of those that do not."""
    operator = Operator(layout)
    try:
        servers = tuple(layout.read().current[1])
        stores: dict[str, Store | None] = {}
        missing = []
        for s in servers:
            try:
                stores[s] = operator.store(s)
            except Unreachable:
                missing.append(s)
        return Snapshot(operator.cluster.tokens, servers, stores), missing
    finally:
        operator.close()


def audit(layout: Layout) -> list[str]:
    """Problems with the live stores (empty if the audit holds)."""
    snap, _ = snapshot(layout)
    return conservation(snap)  # type: ignore[arg-type]
