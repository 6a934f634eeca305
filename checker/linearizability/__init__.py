"""Linearizability of recorded histories: is there an order of the
operations, each taking effect at one moment between its invocation and its
return, that a sequential model accepts?

    from checker.linearizability import check, read_history, MODELS
    result = check(read_history("run.jsonl"), MODELS["tokens"](), timeout=10)
    print(result.verdict)          # ok, illegal or unknown

- `reader` the history format (JSON Lines) and implementation traces;
- `models` the sequential models (token ledger, register, cas-register),
  pure data types, each splitting a history into independent objects;
  `counter` a register per key with increments (the SMR vaccine log);
- `search` the general search (Wing & Gong with Lowe's memoization);
- `ledger_fast` the ledger's near-linear path by versions;
- `check` the verdict: ok, illegal (object, longest linearizable prefix,
  the operations that cannot come next) or unknown (timeout).
"""

from checker.linearizability.check import ILLEGAL, OK, UNKNOWN, Failure, Result, check
from checker.linearizability.counter import CounterModel
from checker.linearizability.errors import HistoryError, LinearizabilityError
from checker.linearizability.history import History, Operation
from checker.linearizability.models import MODELS, RegisterModel, TokensModel
from checker.linearizability.reader import history_from_events, parse_history, read_history

__all__ = [
    "ILLEGAL",
    "MODELS",
    "OK",
    "UNKNOWN",
    "CounterModel",
    "Failure",
    "History",
    "HistoryError",
    "LinearizabilityError",
    "Operation",
    "RegisterModel",
    "Result",
    "TokensModel",
    "check",
    "history_from_events",
    "parse_history",
    "read_history",
]
