"""Schneider's state machine replication with Lamport clocks, fail-stop
replicas and clients, as a protocol plug-in.

    >>> PROTOCOL.standard("SM1").states
    5215
"""

from __future__ import annotations

from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig
from spec.smr.model import SmrModel
from spec.smr.params import SmrParams

PROTOCOL = ProtocolSpec(
    name="smr",
    summary="state machine replication, Lamport clocks and stability, t-1 fail-stop replicas",
    params_type=SmrParams,
    build=SmrModel,
    standards=(
        StandardConfig(
            "SM1",
            SmrParams(),
            None,
            "2 replicas (1 may crash), 2 clients, 1 request each",
            states=5_215,
            transitions=16_091,
        ),
        StandardConfig(
            "SM2",
            SmrParams(replicas=1, requests=2, client_crashes=1),
            None,
            "1 replica, 2 clients (1 may crash), 2 requests each",
            states=5_276,
            transitions=11_034,
        ),
        StandardConfig(
            "SM3",
            SmrParams(replicas=3, clients=1, requests=2),
            None,
            "3 replicas (2 may crash), 1 client, 2 requests",
            states=1_519,
            transitions=5_360,
        ),
    ),
    mutants=(
        MutantSpec(
            "apply-on-receipt",
            "no stability test: a replica applies what it receives at once",
            ("Agreement", "Order"),
            "SM1",
            {"stability": False},
            length=4,
        ),
        MutantSpec(
            "no-tiebreak",
            "equal clocks are ordered by arrival, not by client id",
            ("Order", "Agreement"),
            "SM1",
            {"tiebreak": False},
            length=4,
        ),
        MutantSpec(
            "no-null-messages",
            "idle clients send no null messages",
            ("Progress",),
            "SM1",
            {"null_messages": False},
            length=0,
        ),
        MutantSpec(
            "clock-not-advanced",
            "a client does not advance its clock past a reply's timestamp",
            ("CausalOrder",),
            "SM2",
            {"advance_clock": False},
            length=9,
        ),
        MutantSpec(
            "apply-nulls",
            "a replica applies null messages as if they were requests",
            ("Validity",),
            "SM1",
            {"skip_nulls": False},
            length=7,
        ),
        MutantSpec(
            "no-crash-detection",
            "a replica keeps waiting for a client whose crash notice has arrived",
            ("Progress",),
            "SM2",
            {"detect_crashes": False},
            length=1,
        ),
    ),
)
