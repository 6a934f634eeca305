"""z3 proofs of OM(m) for every traitor behaviour: the only module of the
generals that imports z3.

For given n, m and t, the traitors' messages are free Booleans (attack or
not); a loyal general relays exactly the term it received, so a loyal
message adds no variable. z3 is asked for a run violating IC1 or IC2:
unsat is a proof for every behaviour of those traitors, sat gives the
traitors' messages, which `Witness` carries for replay on the explicit model.

    >>> prove(4, 1).status, prove(3, 1).status
    ('proven', 'refuted')

Symmetry keeps each query to two decision trees. Loyal lieutenants are
interchangeable, so the traitor lieutenants can be the last ones. With a
loyal commander, IC2 fails iff it fails for the first loyal lieutenant (and
IC1 then follows from IC2). With a traitor commander, IC1 fails iff the
first loyal lieutenant disagrees with some other one, which by symmetry can
be the second. A cell (n, m) is proven when both queries are unsat for every
number of traitors t in 1..m (no traitor: nothing to prove).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from spec.generals.oral import ATTACK, RETREAT, Path

PROVEN, REFUTED, UNKNOWN = "proven", "refuted", "unknown"


@dataclass(frozen=True, slots=True)
class Witness:
    """A run of OM(m) that breaks `property`: the traitors, the loyal
    commander's order (None: the commander is a traitor), every message a
    traitor sent, and the decisions z3 computed for the loyal lieutenants."""

    generals: int
    rounds: int
    traitors: tuple[int, ...]
    order: int | None
    property: str
    sent: dict[Path, int] = field(default_factory=dict)
    decisions: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CellResult:
    generals: int
    rounds: int
    status: str  # PROVEN, REFUTED, or UNKNOWN (z3 gave up within the timeout)
    seconds: float
    queries: int
    witness: Witness | None = None


class _Encoding:
    """OM(rounds) among n generals with the given traitors, built lazily:
    only the messages the two decision trees read become terms."""

    def __init__(self, n: int, rounds: int, traitors: tuple[int, ...], order: z3.BoolRef) -> None:
        self.n, self.rounds, self.traitors = n, rounds, frozenset(traitors)
        self.order = order
        self.free: dict[Path, z3.BoolRef] = {}
        self.terms: dict[Path, z3.BoolRef] = {}

    def message(self, path: Path) -> z3.BoolRef:
        """The term sent along path (True: attack)."""
        if path in self.terms:
            return self.terms[path]
        sender = path[-2]
        if sender in self.traitors:
            term = z3.Bool("m_" + "_".join(f"g{g + 1}" for g in path))
            self.free[path] = term
        elif len(path) == 2:
            term = self.order
        else:
            term = self.message(path[:-1])
        self.terms[path] = term
        return term

    def value(self, lieutenant: int, path: Path) -> z3.BoolRef:
        """om_value of spec.generals.oral, on terms."""
        direct = self.message((*path, lieutenant))
        if len(path) > self.rounds:
            return direct
        others = [g for g in range(1, self.n) if g not in path and g != lieutenant]
        votes = [direct] + [self.value(lieutenant, (*path, g)) for g in others]
        # strict majority for attack; a tie is retreat
        return z3.AtLeast(*votes, len(votes) // 2 + 1)

    def decision(self, lieutenant: int) -> z3.BoolRef:
        return self.value(lieutenant, (0,))


class Unknown(Exception):
    """z3 answered unknown (its timeout)."""


def _query(n: int, rounds: int, t: int, commander_traitor: bool, timeout_ms: int) -> Witness | None:
    """A run with t traitors that breaks IC2 (loyal commander) or IC1 (traitor
    commander), or None when z3 proves there is none; Unknown on a timeout."""
    lieutenants = t - 1 if commander_traitor else t
    traitors = tuple(range(n - lieutenants, n))
    if commander_traitor:
        traitors = (0, *traitors)
    loyal = [g for g in range(1, n) if g not in traitors]
    needed = 2 if commander_traitor else 1
    if len(loyal) < needed:
        return None  # nobody loyal to disagree: the property holds vacuously
    order = z3.Bool("order")
    enc = _Encoding(n, rounds, traitors, order)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    decisions = {g: enc.decision(g) for g in loyal[:needed]}
    if commander_traitor:
        solver.add(decisions[loyal[0]] != decisions[loyal[1]])
    else:
        solver.add(decisions[loyal[0]] != order)
    answer = solver.check()
    if answer == z3.unknown:
        raise Unknown(solver.reason_unknown())
    if answer == z3.unsat:
        return None
    model = solver.model()

    def bit(term: z3.BoolRef) -> int:
        return ATTACK if z3.is_true(model.eval(term, model_completion=True)) else RETREAT

    return Witness(
        generals=n,
        rounds=rounds,
        traitors=traitors,
        order=None if commander_traitor else bit(order),
        property="IC1" if commander_traitor else "IC2",
        sent={path: bit(term) for path, term in sorted(enc.free.items())},
        decisions={g: bit(d) for g, d in decisions.items()},
    )


def prove(n: int, rounds: int, timeout: float = 60.0) -> CellResult:
    """Is OM(rounds) among n generals correct against at most `rounds`
    traitors? `timeout`: seconds z3 may spend on each query."""
    started = time.perf_counter()
    queries = 0
    for t in range(1, rounds + 1):
        for commander_traitor in (False, True):
            queries += 1
            try:
                witness = _query(n, rounds, t, commander_traitor, max(1, int(timeout * 1000)))
            except Unknown:
                seconds = time.perf_counter() - started
                return CellResult(n, rounds, UNKNOWN, seconds, queries)
            if witness is not None:
                seconds = time.perf_counter() - started
                return CellResult(n, rounds, REFUTED, seconds, queries, witness)
    return CellResult(n, rounds, PROVEN, time.perf_counter() - started, queries)
