"""The generals' parameter record: every field is a `check model --protocol
generals` option.

>>> GeneralsParams().validated().traitor_sets()[:3]
((), (0,), (1,))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations

from checker.errors import ParameterError
from checker.protocol import param

ALGORITHMS = ("om", "sm")
DECIDE_RULES = ("majority", "first")
MAX_GENERALS = 13  # the prover goes this far; exhaustive runs stop much earlier


def general_name(g: int) -> str:
    """g1 is the commander, g2..gn the lieutenants."""
    return f"g{g + 1}"


@dataclass(frozen=True, slots=True)
class GeneralsParams:
    generals: int = field(
        default=4,
        metadata=param("Generals n; g1 is the commander.", minimum=2, maximum=MAX_GENERALS),
    )
    rounds: int = field(
        default=1, metadata=param("m: the algorithm OM(m) or SM(m).", minimum=0, maximum=4)
    )
    max_traitors: int = field(
        default=1,
        metadata=param("t: explore every set of at most t traitors.", minimum=0),
    )
    traitors: str = field(
        default="",
        metadata=param("A fixed set of traitors instead, e.g. 'g1,g3' ('none': no traitor)."),
    )
    algorithm: str = field(
        default="om",
        metadata=param("om: oral messages; sm: signed messages.", choices=ALGORITHMS),
    )
    # Mutant switches; the defaults are the algorithm.
    relay: bool = field(default=True, metadata=param("Lieutenants relay what they receive."))
    decide_rule: str = field(
        default="majority",
        metadata=param(
            "How OM decides: the recursive majority, or the first value received.",
            choices=DECIDE_RULES,
        ),
    )
    skip_rounds: int = field(
        default=0, metadata=param("Rounds of the algorithm left out.", minimum=0, maximum=4)
    )

    def validated(self) -> GeneralsParams:
        n = self.generals
        if not 2 <= n <= MAX_GENERALS:
            raise ParameterError("generals", n, f"2..{MAX_GENERALS}")
        if not 0 <= self.rounds <= 4:
            raise ParameterError("rounds", self.rounds, "0..4")
        if not 0 <= self.max_traitors <= n:
            raise ParameterError("max_traitors", self.max_traitors, f"0..{n} (the generals)")
        if self.algorithm not in ALGORITHMS:
            raise ParameterError("algorithm", self.algorithm, "one of om, sm")
        if self.decide_rule not in DECIDE_RULES:
            raise ParameterError("decide_rule", self.decide_rule, "one of majority, first")
        if self.algorithm == "sm" and self.decide_rule != "majority":
            raise ParameterError("decide_rule", self.decide_rule, "majority with algorithm sm")
        if not 0 <= self.skip_rounds <= self.rounds:
            raise ParameterError("skip_rounds", self.skip_rounds, f"0..{self.rounds} (the rounds)")
        self.fixed_traitors()  # raises on a bad list
        return self

    def fixed_traitors(self) -> tuple[int, ...] | None:
        """The `traitors` option as general indexes, or None when not given."""
        text = self.traitors.strip()
        if not text:
            return None
        if text == "none":
            return ()
        found = set()
        for word in text.split(","):
            word = word.strip()
            index = word[1:] if word[:1] == "g" else ""
            if not (index.isascii() and index.isdigit() and 1 <= int(index) <= self.generals):
                raise ParameterError(
                    "traitors",
                    self.traitors,
                    f"'none' or generals g1..g{self.generals}, e.g. g1,g3",
                )
            found.add(int(index) - 1)
        return tuple(sorted(found))

    def traitor_sets(self) -> tuple[tuple[int, ...], ...]:
        """Every set of traitors the model explores, smallest first."""
        fixed = self.fixed_traitors()
        if fixed is not None:
            return (fixed,)
        return tuple(
            chosen
            for size in range(self.max_traitors + 1)
            for chosen in combinations(range(self.generals), size)
        )

    def depth(self) -> int:
        """The rounds of relaying that actually run: OM(depth)."""
        return self.rounds - self.skip_rounds if self.relay else 0

    def with_traitors(self, traitors: tuple[int, ...]) -> GeneralsParams:
        names = ",".join(general_name(g) for g in traitors) or "none"
        return replace(self, traitors=names)
