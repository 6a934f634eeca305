"""The register's parameter record: every field is a `check model` option.

>>> RegisterParams().validated().faulty
1
>>> RegisterParams(writers="all").validated().quorum()
2
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checker.errors import ParameterError
from checker.protocol import param

QUORUM_RULES = ("majority", "half")
WRITERS = ("one", "all")


@dataclass(frozen=True, slots=True)
class RegisterParams:
    servers: int = field(default=3, metadata=param("Servers n.", minimum=1, maximum=7))
    clients: int = field(default=2, metadata=param("Clients c1..cK.", minimum=1, maximum=4))
    writers: str = field(
        default="one",
        metadata=param(
            "Who writes: `one` is (1,N), c1 alone; `all` is (N,N), every client,"
            " with timestamps (counter, writer id) found by a query phase.",
            choices=WRITERS,
        ),
    )
    faulty: int | None = field(
        default=None,
        metadata=param("Fail-silent servers: the first f (default (n-1)//2).", minimum=0),
    )
    writes: int = field(default=1, metadata=param("Writes each writer does.", minimum=0))
    reads: int = field(default=1, metadata=param("Reads each reader does.", minimum=0))
    readers: int | None = field(
        default=None,
        metadata=param("Clients that read: the last ones (default every client).", minimum=0),
    )
    # Mutant switches; the defaults are the protocol.
    quorum_rule: str = field(
        default="majority", metadata=param("q(n): n//2+1, or half n//2.", choices=QUORUM_RULES)
    )
    impose: bool = field(default=True, metadata=param("A read writes back what it returns."))
    writer_id: bool = field(
        default=True, metadata=param("(N,N): a timestamp carries the writer id as a tiebreak.")
    )

    def validated(self) -> RegisterParams:
        if not 1 <= self.servers <= 7:
            raise ParameterError("servers", self.servers, "1..7")
        if not 1 <= self.clients <= 4:
            raise ParameterError("clients", self.clients, "1..4")
        for name in ("writes", "reads"):
            if getattr(self, name) < 0:
                raise ParameterError(name, getattr(self, name), "0 or more")
        if self.quorum_rule not in QUORUM_RULES:
            raise ParameterError("quorum_rule", self.quorum_rule, "one of majority, half")
        if self.writers not in WRITERS:
            raise ParameterError("writers", self.writers, "one of one, all")
        readers = self.clients if self.readers is None else self.readers
        if not 0 <= readers <= self.clients:
            raise ParameterError("readers", readers, f"0..{self.clients} (the clients)")
        faulty = (self.servers - 1) // 2 if self.faulty is None else self.faulty
        if not 0 <= faulty <= self.servers:
            raise ParameterError("faulty", faulty, f"0..{self.servers}")
        return replace(self, faulty=faulty, readers=readers)

    def quorum(self) -> int:
        return self.servers // 2 if self.quorum_rule == "half" else self.servers // 2 + 1

    def writes_of(self, client: int) -> int:
        """How many writes client `client` (from 0) does."""
        return self.writes if self.writers == "all" or client == 0 else 0

    def reads_of(self, client: int) -> int:
        """How many reads client `client` (from 0) does: the last `readers` read."""
        readers = self.clients if self.readers is None else self.readers
        return self.reads if client >= self.clients - readers else 0
