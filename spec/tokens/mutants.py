"""The catalog of mutants: known bugs the checker must catch.

Each row names the bug, what it changes, the properties allowed to catch it,
and the smallest standard configuration that exposes it. A mutant is selected
with `Config(mutant=NAME)` (`check model --mutant NAME`); the protocol code
tests `params.mutant == NAME` at the one place the bug lives. Adding a mutant
is that one test and one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.tokens.errors import UnknownMutantError


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    change: str
    caught_by: tuple[str, ...]
    config: str  # a name in spec.standard.STANDARD_CONFIGS


CATALOG: tuple[Mutant, ...] = (
    Mutant("small-quorum", "q(n) = n//2", ("NoDoubleSpend", "ReadNotStale"), "S1"),
    Mutant(
        "no-write-back",
        "gettokens and NOT_OWNER skip the write-back",
        ("ReadNotStale",),
        "W3",
    ),
    Mutant("no-owner-check", "pay writes without checking the owner", ("NoDoubleSpend",), "S1"),
    Mutant("overwrite", "servers apply writes of any version", ("StoreMonotone",), "S1"),
    Mutant(
        "sync-replace",
        "SYNC_WRITE replaces the store instead of merging",
        ("StoreMonotone", "ReadNotStale"),
        "S3a",
    ),
    Mutant(
        "no-state-transfer",
        "the joiner starts from the initial store, SYNC_WRITE carries nothing",
        ("ReadNotStale",),
        "R2",
    ),
    Mutant(
        "no-epoch-check",
        "servers apply client messages of any epoch",
        ("ReadNotStale",),
        "R2",
    ),
    Mutant("wait-all", "clients wait for all n replies", ("Progress",), "S1"),
    # Not in PROTOCOL.md's table: it exists so that Conservation, too, is
    # shown to catch a bug.
    Mutant(
        "delta-transfer",
        "SYNC_WRITE carries only the tokens written since the start; the joiner starts empty",
        ("Conservation",),
        "S3a",
    ),
)

MUTANTS: dict[str, Mutant] = {m.name: m for m in CATALOG}


def lookup(name: str) -> Mutant:
    try:
        return MUTANTS[name]
    except KeyError:
        raise UnknownMutantError(name, list(MUTANTS)) from None
