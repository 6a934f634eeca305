"""The catalog of mutants: known bugs the checker must catch.

Each row names the bug, what it changes, the properties allowed to catch it,
the smallest standard configuration that exposes it, the length of its
shortest counterexample there, and the switches of `Config` it sets. A
mutant is selected with `Config(mutant=NAME)` (`check model --mutant NAME`):
`Config.validated()` applies its switches, and the protocol code reads the
switches, never a mutant's name. Adding a mutant is a row here (and a new
switch in `Config` if none fits).
"""

from __future__ import annotations

from checker.protocol import MutantSpec as Mutant
from spec.tokens.errors import UnknownMutantError

CATALOG: tuple[Mutant, ...] = (
    Mutant(
        "small-quorum",
        "q(n) = n//2",
        ("NoDoubleSpend", "ReadNotStale"),
        "S1",
        overrides={"quorum_rule": "half"},
        length=8,
    ),
    Mutant(
        "no-write-back",
        "gettokens and NOT_OWNER skip the write-back",
        ("ReadNotStale",),
        "W3",
        overrides={"write_back": False},
        length=16,
    ),
    Mutant(
        "no-owner-check",
        "pay writes without checking the owner",
        ("NoDoubleSpend",),
        "S1",
        overrides={"owner_check": False},
        length=10,
    ),
    Mutant(
        "overwrite",
        "servers apply writes of any version",
        ("StoreMonotone",),
        "S1",
        overrides={"version_check": False},
        length=12,
    ),
    Mutant(
        "sync-replace",
        "SYNC_WRITE replaces the store instead of merging",
        ("StoreMonotone", "ReadNotStale"),
        "S3a",
        overrides={"sync_rule": "replace"},
        length=7,
    ),
    Mutant(
        "no-state-transfer",
        "the joiner starts from the initial store, SYNC_WRITE carries nothing",
        ("ReadNotStale",),
        "R2",
        overrides={"transfer": "none"},
        length=16,
    ),
    Mutant(
        "no-epoch-check",
        "servers apply client messages of any epoch",
        ("ReadNotStale",),
        "R2",
        overrides={"epoch_check": False},
        length=16,
    ),
    Mutant(
        "wait-all",
        "clients wait for all n replies",
        ("Progress",),
        "S1",
        overrides={"client_wait": "all"},
        length=1,
    ),
    # Not in PROTOCOL.md's table (issue 16): ReadNotStale once recomputed the
    # highest version from the replies and so missed this client's choice.
    Mutant(
        "first-reply",
        "a client's READ phase keeps the first reply, not the highest version",
        ("ReadNotStale", "AnswerIsFresh"),
        "S1",
        overrides={"read_rule": "first"},
        length=14,
    ),
    # Not in PROTOCOL.md's table: it exists so that Conservation, too, is
    # shown to catch a bug.
    Mutant(
        "delta-transfer",
        "SYNC_WRITE carries only the tokens written since the start; the joiner starts empty",
        ("Conservation",),
        "S3a",
        overrides={"transfer": "delta"},
        length=1,
    ),
)

MUTANTS: dict[str, Mutant] = {m.name: m for m in CATALOG}


def lookup(name: str) -> Mutant:
    try:
        return MUTANTS[name]
    except KeyError:
        raise UnknownMutantError(name, list(MUTANTS)) from None
