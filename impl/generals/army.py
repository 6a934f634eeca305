"""The generals together: membership, the primary, faults, and orders.

The shell's commands map one-to-one onto Army's methods; every method
either does what it says or raises BadCommand having changed nothing.
"""

from __future__ import annotations

import queue
import random
import time
from dataclasses import dataclass

from impl.generals.errors import BadCommand
from impl.generals.general import STOP, General, Propose, RunView
from impl.generals.oral import ORDERS, majority
from impl.generals.trace import RunRecorder, name

MAX_GENERALS = 10
"""Most generals at once: OM((n-1)//3) at 10 generals is 3,609 messages
an order; traces of that size replay on the explicit model in well under a second."""
MAX_ROUNDS = 4


def tolerated(n: int) -> int:
    """The most faulty generals OM tolerates among n: n > 3f."""
    return (n - 1) // 3


@dataclass(frozen=True, slots=True)
class RunResult:
    run: int
    primary: int
    generals: tuple[int, ...]
    faulty: tuple[int, ...]
    rounds: int
    order: str
    decisions: dict[int, str]
    missing: tuple[int, ...]  # generals that did not decide in time
    trace: list[str]  # the run as JSON Lines

    @property
    def majority(self) -> str:
        return majority(list(self.decisions.values()))

    def loyal_agree(self) -> bool:
        """IC1 and IC2 among the non-faulty generals."""
        loyal = {d for g, d in self.decisions.items() if g not in self.faulty}
        if self.primary not in self.faulty:
            return loyal <= {self.order}
        return len(loyal) <= 1


class Army:
    def __init__(
        self, n: int, *, seed: int = 0, rounds: int | None = None, timeout: float = 10.0
    ) -> None:
        if not 1 <= n <= MAX_GENERALS:
            raise BadCommand(f"generals {n}: give 1..{MAX_GENERALS}")
        if rounds is not None and not 0 <= rounds <= MAX_ROUNDS:
            raise BadCommand(f"rounds {rounds}: give 0..{MAX_ROUNDS}")
        self.seed, self.fixed_rounds, self.timeout = seed, rounds, timeout
        self.rng = random.Random(seed)
        self.generals: dict[int, General] = {}
        self.runs = 0
        self._start(range(1, n + 1))
        self.primary = self.rng.choice(sorted(self.generals))

    def _start(self, ids: range) -> None:
        for gid in ids:
            general = General(gid)
            general.start()
            self.generals[gid] = general

    def general(self, text: str) -> int:
        """A general's id from '3' or 'g3'; BadCommand if there is no such general."""
        digits = text[1:] if text[:1] in "gG" and len(text) > 1 else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 3):
            raise BadCommand(f"{text!r} is not a general id; give a number such as 2 or g2")
        gid = int(digits)
        if gid not in self.generals:
            known = ", ".join(str(g) for g in sorted(self.generals))
            raise BadCommand(f"no general {gid}; the generals are {known}")
        return gid

    def set_faulty(self, gid: int, faulty: bool) -> None:
        self.generals[gid].faulty = faulty

    def add(self, k: int) -> list[int]:
        room = MAX_GENERALS - len(self.generals)
        if not 1 <= k <= room:
            raise BadCommand(f"g-add {k}: give 1..{room} ({MAX_GENERALS} generals at most)")
        first = max(self.generals) + 1
        self._start(range(first, first + k))
        return list(range(first, first + k))

    def kill(self, gid: int) -> int | None:
        """Stop a general; killing the primary elects a new one (returned)."""
        if len(self.generals) == 1:
            raise BadCommand(f"g{gid} is the last general; g-add one before killing it")
        general = self.generals.pop(gid)
        general.inbox.put(STOP)
        general.join(timeout=self.timeout)
        if gid != self.primary:
            return None
        self.primary = self.rng.choice(sorted(self.generals))
        return self.primary

    def faulty(self) -> tuple[int, ...]:
        return tuple(g for g in sorted(self.generals) if self.generals[g].faulty)

    def rounds(self) -> int:
        return tolerated(len(self.generals)) if self.fixed_rounds is None else self.fixed_rounds

    def order(self, order: str) -> RunResult:
        """The primary proposes `order`; wait for every general's decision."""
        if order not in ORDERS:
            raise BadCommand(f"order {order!r}: give attack or retreat")
        self.runs += 1
        ids = tuple(sorted(self.generals))
        faulty, rounds = self.faulty(), self.rounds()
        recorder = RunRecorder(
            {
                "run": self.runs,
                "seed": self.seed,
                "generals": [name(g) for g in ids],
                "primary": name(self.primary),
                "faulty": [name(g) for g in faulty],
                "rounds": rounds,
                "order": order,
            }
        )
        view = RunView(
            self.runs,
            ids,
            self.primary,
            rounds,
            self.seed,
            {g: self.generals[g].inbox for g in ids},
            recorder,
        )
        self.generals[self.primary].inbox.put(Propose(view, order))
        decisions: dict[int, str] = {}
        deadline = time.monotonic() + self.timeout
        while len(decisions) < len(ids):
            left = deadline - time.monotonic()
            try:
                gid, value = view.results.get(timeout=max(left, 0.001))
            except queue.Empty:
                break
            decisions[gid] = value
        missing = tuple(g for g in ids if g not in decisions)
        return RunResult(
            self.runs,
            self.primary,
            ids,
            faulty,
            rounds,
            order,
            dict(sorted(decisions.items())),
            missing,
            recorder.lines(),
        )

    def stop(self) -> None:
        for general in self.generals.values():
            general.inbox.put(STOP)
        for general in self.generals.values():
            general.join(timeout=self.timeout)
