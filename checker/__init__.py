"""The explicit-state model checker, quorum proofs, conformance checks and the `check` CLI."""

from checker.native import install

# Before any compiled module is imported: decide whether its source runs instead.
install()
