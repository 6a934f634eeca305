"""Mutation testing of a model: which one-change bugs do its properties miss?

`operators` finds one-change mutants of a protocol's step modules with
`ast`; `apply` puts one in place in memory; `run` checks each on a
configuration and counts kills; `equivalents` reads the mutants a protocol
marks as changing nothing, with reasons. `check mutate` is the command.
"""

from checker.mutate.equivalents import EquivalentsError, load_equivalents
from checker.mutate.operators import Mutant, mutants_of_source
from checker.mutate.run import Outcome, Totals, choose, list_mutants, run_all, run_one, totals

__all__ = [
    "EquivalentsError",
    "Mutant",
    "Outcome",
    "Totals",
    "choose",
    "list_mutants",
    "load_equivalents",
    "mutants_of_source",
    "run_all",
    "run_one",
    "totals",
]
