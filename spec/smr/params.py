"""The SMR model's parameter record: every field is a `check model
--protocol smr` option; the last six are the mutant switches.

>>> SmrParams(replicas=3).validated().replica_crashes
2
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checker.errors import ParameterError
from checker.protocol import param


@dataclass(frozen=True, slots=True)
class SmrParams:
    replicas: int = field(default=2, metadata=param("Replicas t.", minimum=1, maximum=4))
    clients: int = field(default=2, metadata=param("Clients K.", minimum=1, maximum=3))
    requests: int = field(
        default=1,
        metadata=param("Requests each client makes, one at a time.", minimum=0, maximum=3),
    )
    replica_crashes: int | None = field(
        default=None,
        metadata=param("Replicas that may fail-stop (default and at most t-1).", minimum=0),
    )
    client_crashes: int = field(
        default=0, metadata=param("Clients that may crash.", minimum=0, maximum=3)
    )
    # Mutant switches; the defaults are the protocol.
    stability: bool = field(
        default=True, metadata=param("A replica applies a request only once it is stable.")
    )
    tiebreak: bool = field(
        default=True, metadata=param("Equal clocks are ordered by client id (else by arrival).")
    )
    null_messages: bool = field(default=True, metadata=param("Idle clients send null messages."))
    advance_clock: bool = field(
        default=True, metadata=param("A client advances its clock past a reply's timestamp.")
    )
    skip_nulls: bool = field(
        default=True, metadata=param("A replica never applies a null message.")
    )
    detect_crashes: bool = field(
        default=True, metadata=param("A replica stops waiting for a client whose crash it learns.")
    )

    def validated(self) -> SmrParams:
        if not 1 <= self.replicas <= 4:
            raise ParameterError("replicas", self.replicas, "1..4")
        if not 1 <= self.clients <= 3:
            raise ParameterError("clients", self.clients, "1..3")
        if not 0 <= self.requests <= 3:
            raise ParameterError("requests", self.requests, "0..3")
        crashes = self.replicas - 1 if self.replica_crashes is None else self.replica_crashes
        if not 0 <= crashes <= self.replicas - 1:
            raise ParameterError("replica_crashes", crashes, f"0..{self.replicas - 1} (t-1)")
        if not 0 <= self.client_crashes <= self.clients:
            raise ParameterError("client_crashes", self.client_crashes, f"0..{self.clients}")
        return replace(self, replica_crashes=crashes)
