"""The parameters of the token model, validated once, as a frozen Config.

    >>> Config(servers=3, clients=2, tokens=1, ops=1).validated().faulty
    1

Every field maps one-to-one onto a `check model` option. `validated()` fills
the defaults that depend on other fields (faulty = maxf(servers)) and raises a
ConfigError naming the option, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checker.protocol import param
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


SWITCHES = (
    "quorum_rule",
    "client_wait",
    "owner_check",
    "write_back",
    "version_check",
    "sync_rule",
    "transfer",
    "epoch_check",
    "read_rule",
)
QUORUM_RULES = ("majority", "half")
CLIENT_WAITS = ("quorum", "all")
SYNC_RULES = ("merge", "replace")
TRANSFERS = ("full", "none", "delta")
READ_RULES = ("highest", "first")


@dataclass(frozen=True, slots=True)
class Config:
    servers: int = field(
        default=3,
        metadata=param("Initial servers n, within --min-servers..--max-servers.", minimum=1),
    )
    clients: int = field(default=2, metadata=param("Clients K.", minimum=1))
    tokens: int = field(default=1, metadata=param("Tokens T.", minimum=1))
    faulty: int | None = field(
        default=None, metadata=param("Faulty servers f: the first f (default maxf(n)).", minimum=0)
    )
    ops: int = field(
        default=1, metadata=param("Operations each node may start as a client.", minimum=0)
    )
    reconfigs: int = field(
        default=0,
        metadata=param("Role changes allowed (with --transforms: its number of changes).",
                       minimum=0),
    )  # fmt: skip
    min_servers: int = field(
        default=3, metadata=param("Fewest servers a change may leave.", minimum=1)
    )
    max_servers: int = field(
        default=7, metadata=param("Most servers a change may make.", minimum=1)
    )
    reconfig: str = field(
        default="messages", metadata=param("Change granularity.", choices=RECONFIG_MODES)
    )
    mutant: str | None = None  # a catalog name; validated() applies its switches
    workload: str | None = field(
        default=None,
        metadata=param("Scripted ops, e.g. 'c1: pay(0,c2); c2: gettokens(c2)'."),
    )
    transforms: str | None = field(
        default=None, metadata=param("Scripted role changes in order, e.g. 'c2, s2'.")
    )
    # The switches that mutants set (PROTOCOL.md section 6); the defaults are the protocol.
    quorum_rule: str = field(
        default="majority",
        metadata=param("q(n): majority n//2+1, or half n//2.", choices=QUORUM_RULES),
    )
    client_wait: str = field(
        default="quorum",
        metadata=param("Replies a client phase waits for: q(n), or all n.", choices=CLIENT_WAITS),
    )
    owner_check: bool = field(
        default=True, metadata=param("pay writes only when the payer owns the version read.")
    )
    write_back: bool = field(
        default=True, metadata=param("gettokens and NOT_OWNER write back what they read.")
    )
    version_check: bool = field(
        default=True, metadata=param("Servers apply only writes of a higher version.")
    )
    sync_rule: str = field(
        default="merge",
        metadata=param("How SYNC_WRITE changes a store: merge, or replace.", choices=SYNC_RULES),
    )
    transfer: str = field(
        default="full",
        metadata=param(
            "State transfer: full merge, none (joiner starts from the initial store),"
            " delta (only tokens written since the start).",
            choices=TRANSFERS,
        ),
    )
    epoch_check: bool = field(
        default=True, metadata=param("Servers discard client messages of an older epoch.")
    )
    read_rule: str = field(
        default="highest",
        metadata=param(
            "What a READ phase keeps: the highest version, or the first reply.",
            choices=READ_RULES,
        ),
    )
    # A variant of the protocol (PROTOCOL.md section 2), not a mutant.
    fast_read: bool = field(
        default=False,
        metadata=param(
            "Variant fast-read: skip the write-back of tokens on which all q(n) replies agree."
        ),
    )

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
                others=("max_servers",),
            )
        if not self.min_servers <= self.servers <= self.max_servers:
            raise ConfigError(
                "servers",
                self.servers,
                f"between min_servers ({self.min_servers}) and max_servers ({self.max_servers})",
                others=("min_servers", "max_servers"),
            )
        if self.reconfig not in RECONFIG_MODES:
            raise ConfigError("reconfig", self.reconfig, f"one of {', '.join(RECONFIG_MODES)}")
        for option, allowed in (
            ("quorum_rule", QUORUM_RULES),
            ("client_wait", CLIENT_WAITS),
            ("sync_rule", SYNC_RULES),
            ("transfer", TRANSFERS),
            ("read_rule", READ_RULES),
        ):
            if getattr(self, option) not in allowed:
                raise ConfigError(option, getattr(self, option), f"one of {', '.join(allowed)}")
        switched = self
        if self.mutant is not None:
            from spec.tokens.mutants import lookup  # the catalog imports no Config

            switched = replace(self, **lookup(self.mutant).overrides)
        faulty = maxf(self.servers) if self.faulty is None else self.faulty
        if faulty < 0:
            raise ConfigError("faulty", faulty, "a count must be 0 or more")
        if faulty > self.servers:
            raise ConfigError("faulty", faulty, f"at most servers ({self.servers})")
        reconfigs = self.reconfigs
        if self.transforms is not None and reconfigs == 0:
            # --transforms 'c2, s2' alone means its 2 changes (0 is the unset default)
            reconfigs = len([n for n in self.transforms.split(",") if n.strip()])
        return replace(switched, faulty=faulty, reconfigs=reconfigs)

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
        else:
            default = Config()
            for name in SWITCHES:
                if getattr(self, name) != getattr(default, name):
                    parts.append(f"{name}={getattr(self, name)}")
        return " ".join(parts)
