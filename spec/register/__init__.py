"""The read-impose-write-all register as a protocol plug-in: the small
example to copy when adding a protocol (README, "Adding a protocol").

An atomic register replicated on n servers with majority quorums; a faulty
server may stop answering at any time (fail-silent). (1,N): c1 writes, every
client reads. (N,N), `--writers all`: every client writes, with stamps
(counter, writer id) learnt from a query phase.

Files: `params.py` the parameter record (each field a `check model` option),
`state.py` the immutable state, `actions.py` the actions and their steps,
`properties.py` the named claims, `model.py` the model factory, and this
descriptor.

    >>> PROTOCOL.standard("RG1").states
    51868
    >>> PROTOCOL.mutant("no-writer-id").overrides
    {'writer_id': False}
"""

from __future__ import annotations

from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig
from spec.register.model import RegisterModel
from spec.register.params import RegisterParams

PROTOCOL = ProtocolSpec(
    name="register",
    summary="read-impose-write-all atomic register, (1,N) and (N,N), majority quorums,"
    " fail-silent servers",
    params_type=RegisterParams,
    build=RegisterModel,
    standards=(
        StandardConfig(
            "RG1",
            RegisterParams(),
            None,
            "(1,N), 3 servers, 1 fail-silent: c1 writes once, c1 and c2 read once",
            states=51_868,
            transitions=260_629,
        ),
        StandardConfig(
            "RG2",
            RegisterParams(readers=1, reads=2),
            None,
            "(1,N): c1 writes once while c2 reads twice (a new/old inversion needs this)",
            states=18_214,
            transitions=88_671,
        ),
        StandardConfig(
            "RGN",
            RegisterParams(writers="all", readers=1),
            None,
            "(N,N): c1 and c2 write once each, concurrently; c2 reads once",
            states=88_064,
            transitions=437_751,
        ),
        StandardConfig(
            "RGF",
            RegisterParams(faulty=2),
            "Progress",
            "RG1 with 2 of 3 servers fail-silent: no quorum of correct servers, so a"
            " write may never complete (and safety still holds)",
            states=51_868,
            transitions=260_629,
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
        MutantSpec(
            "no-impose",
            "a read returns what it read without writing it back",
            ("ReadNotStale",),
            "RG2",
            {"impose": False},
            length=12,
        ),
        MutantSpec(
            "no-writer-id",
            "(N,N) stamps are the counter alone, without the writer id",
            ("OneValuePerTimestamp", "ReadNotStale"),
            "RGN",
            {"writer_id": False},
            length=10,
        ),
    ),
)
