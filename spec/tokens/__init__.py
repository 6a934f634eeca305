"""The token protocol (PROTOCOL.md sections 4 to 6) as a protocol plug-in.

>>> PROTOCOL.name, PROTOCOL.standard("S1").states
('tokens', 20283)
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from checker.protocol import MutantSpec, MutationTargets, ProtocolSpec, QuorumNeeds
from spec.tokens.config import Config
from spec.tokens.conformance import CONFORMANCE
from spec.tokens.model import TokenModel
from spec.tokens.mutants import CATALOG
from spec.tokens.standard import STANDARD_CONFIGS


def _with_mutant(config: Config, mutant: MutantSpec) -> Config:
    # The label is enough: Config.validated() applies the catalog's switches.
    return replace(config, mutant=mutant.name)


PROTOCOL = ProtocolSpec(
    name="tokens",
    summary="token payments on majority-quorum replicas, omission faults, role changes",
    params_type=Config,
    build=TokenModel,
    standards=tuple(STANDARD_CONFIGS.values()),
    mutants=CATALOG,
    with_mutant=_with_mutant,
    # PROTOCOL.md section 7: 3..7 servers, role changes with state transfer.
    quorums=QuorumNeeds(min_n=3, max_n=7, chain=3),
    # check trace: implementation traces follow the model (spec/tokens/conformance.py).
    conformance=CONFORMANCE,
    # `check mutate`: the step modules (guards in enabled, updates in the *_steps).
    mutation=MutationTargets(
        modules=(
            "spec.tokens.client_steps",
            "spec.tokens.server_steps",
            "spec.tokens.manager_steps",
            "spec.tokens.enabled",
        ),
        sends=("with_messages",),
        quorums=("quorum", "client_quorum"),
        equivalents=str(Path(__file__).with_name("equivalent-mutants.toml")),
    ),
)
