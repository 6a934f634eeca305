"""Known bugs the implementation can be built with (PROTOCOL.md section 6),
so that trace conformance and counterexample replay can be shown to catch
them. Each is a set of switches that the node code reads; the correct
protocol is `CORRECT`.

    >>> MUTANTS["small-quorum"].quorum(3), CORRECT.quorum(3)
    (1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from impl.tokens.errors import BadCommand


@dataclass(frozen=True, slots=True)
class Variant:
    """The protocol's switchable rules; the defaults are the correct protocol."""

    change: str = "the correct protocol"
    half_quorum: bool = False  # q(n) = n//2
    wait_all: bool = False  # clients wait for all n replies
    owner_check: bool = True  # pay writes only if the payer owns the version read
    write_back: bool = True  # gettokens and NOT_OWNER write back what they read
    version_check: bool = True  # servers apply only writes of a higher version
    sync_merge: bool = True  # SYNC_WRITE merges (False: replaces the store)
    state_transfer: bool = True  # False: the joiner starts from the initial store, SYNC_WRITE empty
    epoch_check: bool = True  # servers discard client messages of an older epoch, hold newer

    def quorum(self, n: int) -> int:
        """Answers a manager step waits for: q(n), as this variant has it."""
        return n // 2 if self.half_quorum else n // 2 + 1

    def client_quorum(self, n: int) -> int:
        """Answers a client phase waits for."""
        return n if self.wait_all else self.quorum(n)


CORRECT = Variant()

MUTANTS: dict[str, Variant] = {
    "small-quorum": Variant("q(n) = n//2", half_quorum=True),
    "no-write-back": Variant("gettokens and NOT_OWNER skip the write-back", write_back=False),
    "no-owner-check": Variant("pay writes without checking the owner", owner_check=False),
    "overwrite": Variant("servers apply writes of any version", version_check=False),
    "sync-replace": Variant("SYNC_WRITE replaces the store instead of merging", sync_merge=False),
    "no-state-transfer": Variant(
        "the joiner starts from the initial store, SYNC_WRITE carries nothing",
        state_transfer=False,
    ),
    "no-epoch-check": Variant("servers apply client messages of any epoch", epoch_check=False),
    "wait-all": Variant("clients wait for all n replies", wait_all=True),
}


def variant(name: str | None) -> Variant:
    """The variant a --mutant name selects (None: the correct protocol)."""
    if name is None:
        return CORRECT
    found = MUTANTS.get(name)
    if found is None:
        raise BadCommand(f"mutant: unknown {name!r}; choose one of {', '.join(MUTANTS)} (or none)")
    return found
