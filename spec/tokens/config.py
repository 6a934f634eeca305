"""The parameters of the token model, validated once, as a frozen Config.

    >>> Config(servers=3, clients=2, tokens=1, ops=1).validated().faulty
    1

Every field maps one-to-one onto a `check model` option. `validated()` fills
the defaults that depend on other fields (faulty = maxf(servers)) and raises a
ConfigError naming the option, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.tokens.errors import ConfigError

RECONFIG_MODES = ("messages", "atomic")


def maxf(n: int) -> int:
    """The most omission-faulty servers n servers tolerate: f < n/2."""
    return (n - 1) // 2


def majority(n: int) -> int:
    """q(n): a majority of n servers."""
    return n // 2 + 1


def server_name(index: int) -> str:
    return f"s{index + 1}"


def client_name(index: int) -> str:
    return f"c{index + 1}"


@dataclass(frozen=True, slots=True)
class Config:
    servers: int = 3
    clients: int = 2
    tokens: int = 1
    faulty: int | None = None
    ops: int = 1
    reconfigs: int = 0
    min_servers: int = 3
    max_servers: int = 7
    reconfig: str = "messages"
    mutant: str | None = None
    workload: str | None = None
    transforms: str | None = None

    def validated(self) -> Config:
        """This config with defaults filled in, or a ConfigError."""
        for option in ("servers", "clients", "tokens", "ops", "reconfigs"):
            value = getattr(self, option)
            if value < 0:
                raise ConfigError(option, value, "a count must be 0 or more")
        if self.servers < 1:
            raise ConfigError("servers", self.servers, "at least 1 server")
        if self.clients < 1:
            raise ConfigError("clients", self.clients, "at least 1 client")
        if self.tokens < 1:
            raise ConfigError("tokens", self.tokens, "at least 1 token")
        if self.min_servers < 1:
            raise ConfigError("min_servers", self.min_servers, "at least 1")
        if self.min_servers > self.max_servers:
            raise ConfigError(
                "min_servers",
                self.min_servers,
                f"at most max_servers ({self.max_servers})",
            )
        if not self.min_servers <= self.servers <= self.max_servers:
            raise ConfigError(
                "servers",
                self.servers,
                f"between min_servers ({self.min_servers}) and max_servers ({self.max_servers})",
            )
        if self.reconfig not in RECONFIG_MODES:
            raise ConfigError("reconfig", self.reconfig, f"one of {', '.join(RECONFIG_MODES)}")
        faulty = maxf(self.servers) if self.faulty is None else self.faulty
        if faulty < 0:
            raise ConfigError("faulty", faulty, "a count must be 0 or more")
        if faulty > self.servers:
            raise ConfigError("faulty", faulty, f"at most servers ({self.servers})")
        return replace(self, faulty=faulty)

    def warnings(self) -> list[str]:
        """Legal but noteworthy settings (call on a validated config)."""
        notes = []
        if self.faulty is not None and self.faulty > maxf(self.servers):
            notes.append(
                f"faulty={self.faulty} is not below servers/2 ({self.servers}/2): "
                "safety is still checked, but liveness (Progress) needs "
                f"faulty <= {maxf(self.servers)}"
            )
        return notes

    def summary(self) -> str:
        """The parameters as `check model` options, for reports."""
        parts = [
            f"servers={self.servers}",
            f"clients={self.clients}",
            f"tokens={self.tokens}",
            f"faulty={self.faulty}",
            f"ops={self.ops}",
            f"reconfigs={self.reconfigs}",
        ]
        if self.reconfigs:
            parts += [
                f"min_servers={self.min_servers}",
                f"max_servers={self.max_servers}",
                f"reconfig={self.reconfig}",
            ]
        if self.workload:
            parts.append(f'workload="{self.workload}"')
        if self.transforms:
            parts.append(f'transforms="{self.transforms}"')
        if self.mutant:
            parts.append(f"mutant={self.mutant}")
        return " ".join(parts)
