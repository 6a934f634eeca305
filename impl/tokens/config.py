"""Parameters of a system, quorum arithmetic, and the installed configuration.

>>> quorum(5), maxf(5)
(3, 2)
>>> Params(servers=5).server_names()
('s1', 's2', 's3', 's4', 's5')
"""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass

from impl.tokens.errors import BadCommand
from impl.tokens.mutants import Variant, variant

MIN_SERVERS = 3
MAX_SERVERS = 7
TOKENS = 60
CLIENTS = 6
MAX_DELAY = 10.0  # seconds; a longer delay leaves every operation pending
MAX_TIMEOUT = 3600.0  # seconds


def quorum(n: int) -> int:
    """q(n): a majority of n servers."""
    return n // 2 + 1


def maxf(n: int) -> int:
    """The most faulty servers that n servers tolerate (f < n/2)."""
    return (n - 1) // 2


def initial_owner(token: int, clients: int = CLIENTS) -> str:
    """Token t starts with c((t mod clients) + 1), at version 1."""
    return f"c{token % clients + 1}"


@dataclass(frozen=True, slots=True)
class Params:
    """Everything that fixes a system, apart from the schedule.

    `faulty` None means: maxf(servers) servers chosen from `seed`. `max_delay`
    is in seconds (each message waits uniformly in 0..max_delay); `drop` is the
    probability that a message to or from a faulty server is lost."""

    servers: int = 5
    clients: int = CLIENTS
    tokens: int = TOKENS
    faulty: tuple[str, ...] | None = None
    max_delay: float = 0.0
    drop: float = 0.0
    seed: int = 0
    timeout: float = 10.0
    mutant: str | None = None  # a bug of impl/mutants.py to build the system with
    fast_read: bool = False  # PROTOCOL.md's variant: skip write-backs the replies make needless

    @property
    def variant(self) -> Variant:
        return variant(self.mutant)

    def __post_init__(self) -> None:
        if not MIN_SERVERS <= self.servers <= MAX_SERVERS:
            raise BadCommand(
                f"servers: expected {MIN_SERVERS}..{MAX_SERVERS}, got {self.servers}; "
                f"pass --servers between {MIN_SERVERS} and {MAX_SERVERS}"
            )
        if self.clients < 1 or self.tokens < 1:
            raise BadCommand(
                f"clients and tokens must be at least 1, got {self.clients}, {self.tokens}"
            )
        if not 0.0 <= self.drop <= 1.0:
            raise BadCommand(f"drop: expected a probability in 0..1, got {self.drop}")
        # `not a <= x` also refuses nan, which every comparison calls false
        if not 0 <= self.max_delay <= MAX_DELAY:
            raise BadCommand(f"delay: expected seconds in 0..{MAX_DELAY:g}, got {self.max_delay}")
        if not 0 < self.timeout <= MAX_TIMEOUT:
            raise BadCommand(
                f"timeout: expected seconds in (0, {MAX_TIMEOUT:g}], got {self.timeout}"
            )
        variant(self.mutant)  # an unknown name is a BadCommand
        if self.faulty is not None:
            unknown = [x for x in self.faulty if x not in self.server_names()]
            if unknown:
                raise BadCommand(
                    f"faulty: {', '.join(unknown)} are not servers; name servers among "
                    f"{', '.join(self.server_names())}"
                )
            if len(set(self.faulty)) > maxf(self.servers):
                raise BadCommand(
                    f"faulty: {len(set(self.faulty))} faulty servers, but {self.servers} "
                    f"servers tolerate at most maxf={maxf(self.servers)}; name fewer"
                )

    def server_names(self) -> tuple[str, ...]:
        return tuple(f"s{i}" for i in range(1, self.servers + 1))

    def client_names(self) -> tuple[str, ...]:
        return tuple(f"c{i}" for i in range(1, self.clients + 1))

    def faulty_names(self) -> tuple[str, ...]:
        """The faulty servers: given, or maxf(n) of them drawn from the seed."""
        if self.faulty is not None:
            return tuple(sorted(set(self.faulty)))
        rng = random.Random(f"faulty:{self.seed}")
        return tuple(sorted(rng.sample(self.server_names(), maxf(self.servers))))

    def to_json(self) -> dict[str, object]:
        return {
            "servers": self.servers,
            "clients": self.clients,
            "tokens": self.tokens,
            "faulty": list(self.faulty_names()),
            "max_delay": self.max_delay,
            "drop": self.drop,
            "seed": self.seed,
            "timeout": self.timeout,
            **({"mutant": self.mutant} if self.mutant is not None else {}),
            **({"fast_read": True} if self.fast_read else {}),  # older traces stay the same
        }


@dataclass(frozen=True, slots=True)
class Configuration:
    """An installed configuration: its epoch and its servers, in a fixed order."""

    epoch: int
    servers: tuple[str, ...]


class Board:
    """The installed configuration, which clients read when a phase starts and
    the manager replaces when it installs a change."""

    def __init__(self, initial: Configuration) -> None:
        self._lock = threading.Lock()
        self._config = initial
        # Held by the manager from an install's quorum to its record, and by a
        # client from reading the board to recording its phase: a phase is
        # recorded wholly before or wholly after an install.
        self.transition: contextlib.AbstractContextManager[object] = threading.RLock()

    def get(self) -> Configuration:
        with self._lock:
            return self._config

    def install(self, config: Configuration) -> None:
        with self._lock:
            self._config = config
