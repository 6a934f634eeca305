"""The explicit-state model checker, quorum proofs, conformance checks and the `check` CLI."""
