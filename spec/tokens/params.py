"""A validated Config compiled into what the protocol steps read: node ids,
quorum sizes, the faulty set, the scenario in ids, and the mutant switches."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from spec.tokens import scenario
from spec.tokens.config import Config, client_name, majority, maxf, server_name
from spec.tokens.errors import ConfigError


class Transfer(Enum):
    """What a change moves to the new configuration (Config.transfer)."""

    FULL = "full"
    NONE = "none"
    DELTA = "delta"


@dataclass(frozen=True, slots=True)
class Params:
    config: Config
    names: tuple[str, ...]  # node id -> name; the manager is last
    servers: int  # initial servers: ids 0..servers-1
    nodes: int  # servers + clients
    manager: int  # the manager's id (== nodes)
    tokens: int
    faulty_mask: int  # bitmask of faulty node ids
    ops: int
    reconfigs: int
    min_servers: int
    max_servers: int
    atomic: bool
    # The mutant switches, compiled once from the Config.
    half_quorum: bool
    wait_all: bool
    owner_check: bool
    write_back: bool
    fast_read: bool
    version_check: bool
    sync_replaces: bool
    transfer: Transfer
    epoch_check: bool
    first_reply: bool
    # Per node id, the scripted operations as (kind, token, target id); None: any op.
    workload: tuple[tuple[tuple[int, int, int], ...], ...] | None
    transforms: tuple[int, ...] | None

    def quorum(self, n: int) -> int:
        """q(n), as the mutant (if any) has it."""
        if self.half_quorum:
            return n // 2
        return majority(n)

    def client_quorum(self, n: int) -> int:
        return n if self.wait_all else self.quorum(n)

    def is_faulty(self, node: int) -> bool:
        return bool(self.faulty_mask >> node & 1)

    def faulty_count(self, servers: tuple[int, ...]) -> int:
        return sum(1 for s in servers if self.faulty_mask >> s & 1)

    def may_hold(self, servers: tuple[int, ...]) -> bool:
        """A configuration is allowed only with at most maxf(n) faulty servers."""
        return self.faulty_count(servers) <= maxf(len(servers))

    def initial_owner(self, token: int) -> int:
        return self.servers + token % (self.nodes - self.servers)


def compile_params(config: Config) -> Params:
    config = config.validated()
    names = tuple(server_name(i) for i in range(config.servers)) + tuple(
        client_name(i) for i in range(config.clients)
    )
    ids = {name: i for i, name in enumerate(names)}
    workload = None
    parsed: dict[str, tuple[scenario.ScriptedOp, ...]] = {}
    if config.workload is not None:
        parsed = scenario.parse_workload(config.workload, list(names), config.tokens)
        workload = tuple(
            tuple(
                (op.kind, op.token if op.token is not None else 0, ids[op.target])
                for op in parsed.get(name, ())
            )
            for name in names
        )
    transforms = None
    reconfigs = config.reconfigs
    if config.transforms is not None:
        transforms = tuple(
            ids[n] for n in scenario.parse_transforms(config.transforms, list(names))
        )
        # --reconfigs defaults to the number of changes listed (0 means not given)
        if 0 < config.reconfigs < len(transforms):
            raise ConfigError(
                "reconfigs",
                config.reconfigs,
                f"at least the {len(transforms)} changes that --transforms lists "
                "(or leave --reconfigs out)",
            )
        reconfigs = len(transforms)
    scenario.check_possible(
        None if transforms is None else tuple(names[i] for i in transforms),
        parsed if config.workload is not None else None,
        list(names[: config.servers]),
        config.faulty or 0,
        config.min_servers,
        config.max_servers,
        reconfigs,
    )
    faulty = config.faulty or 0
    return Params(
        config=config,
        names=(*names, "manager"),
        servers=config.servers,
        nodes=len(names),
        manager=len(names),
        tokens=config.tokens,
        faulty_mask=(1 << faulty) - 1,
        ops=config.ops,
        reconfigs=reconfigs,
        min_servers=config.min_servers,
        max_servers=config.max_servers,
        atomic=config.reconfig == "atomic",
        half_quorum=config.quorum_rule == "half",
        wait_all=config.client_wait == "all",
        owner_check=config.owner_check,
        write_back=config.write_back,
        fast_read=config.fast_read,
        version_check=config.version_check,
        sync_replaces=config.sync_rule == "replace",
        transfer=Transfer(config.transfer),
        epoch_check=config.epoch_check,
        first_reply=config.read_rule == "first",
        workload=workload,
        transforms=transforms,
    )
