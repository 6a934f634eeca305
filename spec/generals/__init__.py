"""The Byzantine generals: OM(m) and SM(m) as a protocol plug-in.

    >>> PROTOCOL.standard("G4").states
    3761

With oral messages, m traitors are tolerated exactly when there are more
than 3m generals: G4 (n=4, m=1, one traitor) holds; G3 (n=3) breaks, and
with the tie-to-retreat rule it is IC2 that breaks (a traitor commander
cannot split two loyal lieutenants who both see the same two values).
Signed messages tolerate any number of traitors: SM3 holds where G3 fails.
"""

from __future__ import annotations

from checker.protocol import MutantSpec, ProtocolSpec, StandardConfig
from spec.generals import tools
from spec.generals.model import build_model
from spec.generals.params import GeneralsParams

PROTOCOL = ProtocolSpec(
    name="generals",
    summary="Byzantine generals: oral messages OM(m) and signed messages SM(m), any traitors",
    params_type=GeneralsParams,
    build=build_model,
    standards=(
        StandardConfig(
            "G4",
            GeneralsParams(),
            None,
            "OM(1), 4 generals, every choice of at most 1 traitor: n > 3m holds",
            states=3_761,
            transitions=12_072,
        ),
        StandardConfig(
            "G3",
            GeneralsParams(generals=3),
            "IC2",
            "OM(1), 3 generals, 1 traitor: n = 3m breaks (a traitor lieutenant)",
            states=101,
            transitions=136,
        ),
        StandardConfig(
            "G4m2",
            GeneralsParams(rounds=2),
            "IC2",
            "OM(2), 4 generals, 1 traitor: more rounds need n > 2k + m (Lemma 1)",
            states=21_575,
            transitions=80_097,
        ),
        StandardConfig(
            "SM3",
            GeneralsParams(generals=3, algorithm="sm"),
            None,
            "SM(1), 3 generals, 1 traitor: signatures beat the 3m bound",
            states=137,
            transitions=212,
        ),
        StandardConfig(
            "SM4",
            GeneralsParams(rounds=2, max_traitors=2, algorithm="sm"),
            None,
            "SM(2), 4 generals, every choice of at most 2 traitors",
            states=31_925,
            transitions=125_145,
        ),
        StandardConfig(
            "SM4m1",
            GeneralsParams(max_traitors=2, algorithm="sm"),
            "IC1",
            "SM(1), 4 generals, 2 traitors: more traitors than rounds breaks",
            states=2_533,
            transitions=4_224,
        ),
    ),
    mutants=(
        MutantSpec(
            "no-relay",
            "lieutenants decide on the commander's order alone",
            ("IC1",),
            "G4",
            {"relay": False},
            length=4,
        ),
        MutantSpec(
            "first-value",
            "a lieutenant decides on the first value it receives, not the majority",
            ("IC2",),
            "G4",
            {"decide_rule": "first"},
            length=6,
        ),
        # On SM4, where m = t rounds are needed; on G4 (OM(1) -> OM(0)) it
        # behaves as no-relay, which tests/spec/generals checks too.
        MutantSpec(
            "short",
            "one round fewer than m: SM(m-1), OM(m-1)",
            ("IC1",),
            "SM4",
            {"skip_rounds": 1},
            length=6,
        ),
    ),
    tools={"prove": tools.prove, "replay": tools.replay, "check_trace": tools.check_trace},
)
