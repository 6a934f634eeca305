"""The read-impose-write-all register, (1,N), as a protocol plug-in: the
small example to copy when adding a protocol.

    >>> PROTOCOL.standard("RG1").states
    52904
"""

from __future__ import annotations

from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig
from spec.register.model import RegisterModel
from spec.register.params import RegisterParams

PROTOCOL = ProtocolSpec(
    name="register",
    summary="read-impose-write-all atomic register, (1,N), majority quorums, fail-silent servers",
    params_type=RegisterParams,
    build=RegisterModel,
    standards=(
        StandardConfig(
            "RG1",
            RegisterParams(),
            None,
            "3 servers, c1 writes once, both clients read once",
            states=52_904,
            transitions=264_329,
        ),
    ),
    mutants=(
        MutantSpec(
            "small-quorum",
            "q(n) = n//2",
            ("ReadNotStale",),
            "RG1",
            {"quorum_rule": "half"},
            length=8,
        ),
    ),
)
