"""The quorum prover's errors: one base class, one class per failure mode."""

from __future__ import annotations


class QuorumError(Exception):
    """Base of every error the quorum prover raises."""


class ProofInterrupted(QuorumError):
    """A z3 call was stopped by Ctrl-C (z3 handles SIGINT itself)."""


class InvalidQuorumConfig(QuorumError, ValueError):
    """A `QuorumConfig` field is out of range.

    `field` names the field, `value` is what came and `allowed` says what is
    accepted, so a CLI can name its own option in the message.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}={value!r} is not allowed: {allowed}")
