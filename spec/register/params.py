"""The register's parameter record: every field is a `check model` option.

>>> RegisterParams().validated().faulty
1
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checker.errors import ParameterError
from checker.protocol import param

QUORUM_RULES = ("majority", "half")


@dataclass(frozen=True, slots=True)
class RegisterParams:
    servers: int = field(default=3, metadata=param("Servers n.", minimum=1, maximum=7))
    clients: int = field(
        default=2, metadata=param("Clients; c1 is the writer, every client reads.", minimum=1)
    )
    faulty: int | None = field(
        default=None,
        metadata=param("Fail-silent servers: the first f (default (n-1)//2).", minimum=0),
    )
    writes: int = field(default=1, metadata=param("Writes the writer does.", minimum=0))
    reads: int = field(default=1, metadata=param("Reads each client does.", minimum=0))
    # Mutant switches; the defaults are the protocol.
    quorum_rule: str = field(
        default="majority", metadata=param("q(n): n//2+1, or half n//2.", choices=QUORUM_RULES)
    )
    impose: bool = field(default=True, metadata=param("A read writes back what it returns."))

    def validated(self) -> RegisterParams:
        if not 1 <= self.servers <= 7:
            raise ParameterError("servers", self.servers, "1..7")
        if self.clients < 1:
            raise ParameterError("clients", self.clients, "at least 1")
        for name in ("writes", "reads"):
            if getattr(self, name) < 0:
                raise ParameterError(name, getattr(self, name), "0 or more")
        if self.quorum_rule not in QUORUM_RULES:
            raise ParameterError("quorum_rule", self.quorum_rule, "one of majority, half")
        faulty = (self.servers - 1) // 2 if self.faulty is None else self.faulty
        if not 0 <= faulty <= self.servers:
            raise ParameterError("faulty", faulty, f"0..{self.servers}")
        return replace(self, faulty=faulty)

    def quorum(self) -> int:
        return self.servers // 2 if self.quorum_rule == "half" else self.servers // 2 + 1
