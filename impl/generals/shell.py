"""The generals' console: reads commands from any iterable of lines (a
terminal, a pipe, a list in tests) and writes to any text stream.

    shell = Shell(Army(4, seed=1), out=sys.stdout)
    code = shell.run(["g-state", "g-state 2 faulty", "actual-order attack", "exit"])

A bad command prints its usage and changes nothing. Exit code: 0, or 1 when
an order left the loyal generals disagreeing although the faulty ones were
few enough (n > 3f), or some general did not decide in time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from impl.generals.army import MAX_GENERALS, Army, RunResult, tolerated
from impl.generals.errors import BadCommand
from impl.generals.oral import ATTACK, RETREAT
from impl.generals.trace import name

MAX_LINE = 256


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    summary: str
    args: tuple[int, ...]  # the argument counts allowed


COMMANDS = {
    c.name: c
    for c in (
        Command(
            "g-state",
            "g-state [<id> faulty|non-faulty]",
            "show every general, or set one faulty or not",
            (0, 2),
        ),
        Command("g-add", "g-add <k>", f"add k generals (at most {MAX_GENERALS} in all)", (1,)),
        Command(
            "g-kill", "g-kill <id>", "stop a general; killing the primary elects another", (1,)
        ),
        Command(
            "actual-order",
            "actual-order attack|retreat",
            "the primary proposes; OM(m) runs; every decision is shown",
            (1,),
        ),
        Command("help", "help", "this list", (0,)),
        Command("exit", "exit", "stop every general and leave", (0,)),
    )
}


def usage() -> str:
    return "commands: " + "; ".join(c.usage for c in COMMANDS.values())


class Shell:
    def __init__(
        self, army: Army, out: TextIO, on_run: Callable[[RunResult], None] | None = None
    ) -> None:
        self.army, self.out, self.on_run = army, out, on_run
        self.code = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self, lines: Iterable[str]) -> int:
        """Execute every line until `exit` or the end of the input; stop the army."""
        try:
            for line in lines:
                if not self.execute(line):
                    break
        finally:
            self.army.stop()
        return self.code

    def execute(self, line: str) -> bool:
        """One command; False after `exit`."""
        if len(line) > MAX_LINE:
            self.say(f"error: a line of {len(line)} characters; at most {MAX_LINE}")
            return True
        words = line.split()
        if not words:
            return True
        command = COMMANDS.get(words[0].lower())
        if command is None:
            self.say(f"error: unknown command {words[0][:40]!r}; {usage()}")
            return True
        args = words[1:]
        if len(args) not in command.args:
            self.say(
                f"error: {command.name} takes {' or '.join(map(str, command.args))}"
                f" argument(s), got {len(args)}; usage: {command.usage}"
            )
            return True
        try:
            return self._dispatch(command.name, args)
        except BadCommand as error:
            self.say(f"error: {error}; usage: {command.usage}")
            return True

    def _dispatch(self, verb: str, args: list[str]) -> bool:
        army = self.army
        if verb == "exit":
            return False
        if verb == "help":
            for c in COMMANDS.values():
                self.say(f"  {c.usage:<36} {c.summary}")
        elif verb == "g-state" and not args:
            self._state()
        elif verb == "g-state":
            gid = army.general(args[0])
            state = args[1].lower()
            if state not in ("faulty", "non-faulty"):
                raise BadCommand(f"state {args[1][:20]!r}: give faulty or non-faulty")
            army.set_faulty(gid, state == "faulty")
            self.say(f"g{gid} is {'F' if state == 'faulty' else 'NF'}")
            self._warn()
        elif verb == "g-add":
            if not (args[0].isascii() and args[0].isdigit() and len(args[0]) <= 3):
                raise BadCommand(f"{args[0][:20]!r} is not a count; give a number such as 2")
            added = army.add(int(args[0]))
            self.say("added " + ", ".join(name(g) for g in added))
        elif verb == "g-kill":
            gid = army.general(args[0])
            elected = army.kill(gid)
            self.say(f"killed g{gid}")
            if elected is not None:
                self.say(f"g{gid} was the primary; elected g{elected}")
            self._warn()
        elif verb == "actual-order":
            order = args[0].lower()
            if order not in (ATTACK, RETREAT):
                raise BadCommand(f"order {args[0][:20]!r}: give attack or retreat")
            self._order(order)
        return True

    def _state(self) -> None:
        army = self.army
        for gid, general in sorted(army.generals.items()):
            role = "primary" if gid == army.primary else "secondary"
            self.say(
                f"g{gid}, {role}, majority={general.last or 'undefined'},"
                f" state={'F' if general.faulty else 'NF'}"
            )

    def _warn(self) -> bool:
        n, f = len(self.army.generals), len(self.army.faulty())
        if f <= tolerated(n):
            return False
        self.say(
            f"warning: {f} faulty of {n} generals; OM needs n > 3f, so at most"
            f" {tolerated(n)} here: the loyal generals may disagree"
        )
        return True

    def _order(self, order: str) -> None:
        army = self.army
        n, faulty = len(army.generals), army.faulty()
        self.say(
            f"g{army.primary} proposes {order}: OM({army.rounds()}) among {n} generals,"
            f" {len(faulty)} faulty"
        )
        too_many = self._warn()
        result = army.order(order)
        self._state()
        if result.missing:
            self.say("did not decide in time: " + ", ".join(name(g) for g in result.missing))
            self.code = 1
        votes = sum(d == result.majority for d in result.decisions.values())
        self.say(
            f"execute order: {result.majority}! {votes} of {n} generals decided {result.majority}"
        )
        if not result.loyal_agree():
            self.say(
                "the non-faulty generals did not all obey the order"
                + (" (expected: too many faulty)" if too_many else ": a BUG")
            )
            if not too_many:
                self.code = 1
        if self.on_run is not None:
            self.on_run(result)
