"""The standard configurations: named constants, as TLA+ users keep MC files.

Each has the verdict the correct protocol must give: every property holds,
except F2 (f = n/2), which must break Progress and nothing else.
"""

from __future__ import annotations

from dataclasses import replace

from checker.protocol import StandardConfig as Standard
from spec.tokens.config import Config

S1 = Config(servers=3, clients=2, tokens=1, faulty=1, ops=1, reconfigs=0)
S2 = replace(S1, tokens=2)
S3A = replace(S1, reconfigs=1, min_servers=3, max_servers=4, reconfig="atomic")
S3M = replace(S3A, reconfig="messages")
F2 = Config(servers=4, clients=2, tokens=1, faulty=2, ops=1, reconfigs=0)
R2 = Config(
    servers=3,
    clients=2,
    tokens=1,
    faulty=1,
    reconfigs=2,
    min_servers=3,
    max_servers=4,
    reconfig="atomic",
    workload="c1: pay(0,c2); s2: gettokens(c1)",
    transforms="c2, s2",
)
W3 = replace(S1, workload="c1: pay(0,c2); c2: gettokens(c2), gettokens(c2)")

STANDARD_CONFIGS: dict[str, Standard] = {
    s.name: s
    for s in (
        Standard(
            "S1",
            S1,
            None,
            "the calibration: 3 servers, 2 clients, 1 token",
            states=20_283,
            transitions=92_403,
        ),
        Standard("S2", S2, None, "S1 with two tokens", states=37_900, transitions=171_272),
        Standard("S3a", S3A, None, "one role change, atomic", states=171_548, transitions=849_695),
        Standard(
            "S3m",
            S3M,
            None,
            "one role change, message by message",
            states=685_672,
            transitions=3_538_697,
        ),
        Standard(
            "F2",
            F2,
            "Progress",
            "f = n/2: liveness must fail, safety must hold",
            states=253_797,
            transitions=1_431_779,
        ),
        Standard(
            "W3", W3, None, "scenario: a pay and two gettokens", states=22_117, transitions=110_115
        ),
        Standard(
            "R2",
            R2,
            None,
            "scenario: a join then a leave, with a pay and a gettokens",
            states=2_530_683,
            transitions=19_344_811,
        ),
    )
}
