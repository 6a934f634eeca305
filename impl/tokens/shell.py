"""The manual mode: a command interpreter over a running system.

Reads lines from any iterable (a terminal, a pipe, a list in tests) and
writes to any text stream; click stays in checker/cli/shell.py.

    shell = Shell(Params(servers=3), out=sys.stdout)
    code = shell.run(["pay c1 0 c2", "gettokens c2 c2", "close"])

A bad command prints its usage and changes nothing. `close` (or the end of
the input) re-runs the accepted commands on a fresh system without faults
or delays, prints both final ownerships' comparison, and stops the system.
Exit code: 0 the runs agree, 1 they differ or an operation did not complete.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from impl.tokens.audit import Completed, compare, latest_values, rerun
from impl.tokens.cluster import Cluster
from impl.tokens.config import Params, maxf
from impl.tokens.errors import ImplError, OperationTimeout
from impl.tokens.operations import Answer, Handle
from impl.tokens.recorder import Recorder

MAX_LINE = 4096
"""The longest command line accepted, in characters without its line end;
a longer one is rejected before it is parsed (so parsing stays linear)."""

MAX_TOKEN_DIGITS = 6
"""The most digits a token number may have; longer is rejected unconverted
(int() of thousands of digits is slow, and refused past 4300)."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    summary: str
    min_args: int
    max_args: int


COMMANDS = {
    c.name: c
    for c in (
        Command("pay", "pay <client> <token> <to>", "client pays token to another client", 3, 3),
        Command(
            "gettokens", "gettokens <client> <owner>", "client asks which tokens owner holds", 2, 2
        ),
        Command("transform", "transform <node>", "a server leaves, or an idle client joins", 1, 1),
        Command("status", "status", "every node: role, epoch, faulty or not", 0, 0),
        Command("token_status", "token_status <server>", "a server's store", 1, 1),
        Command(
            "faults", "faults | faults set [<server>...]", "show or choose faulty servers", 0, 99
        ),
        Command("help", "help [<command>]", "list commands, or one command's usage", 0, 1),
        Command("close", "close", "compare with a fault-free re-run, then quit", 0, 0),
    )
}


class Shell:
    """Runs commands against one Cluster; remembers the ones that completed."""

    def __init__(
        self,
        params: Params,
        out: TextIO,
        mode: str = "threaded",
        recorder: Recorder | None = None,
        prompt: str = "",
    ) -> None:
        self.params = params
        self.out = out
        self.prompt = prompt
        self.cluster = Cluster(params, mode=mode, recorder=recorder)
        self.begin_session()

    def begin_session(self) -> None:
        """What one session of commands keeps: shells on other systems call it too."""
        self.completed: list[Completed] = []
        self.incomplete: list[Any] = []  # Handles; a shell on processes keeps their names
        self.bad_commands = 0
        self.closed = False
        self.interrupted = False
        self.exit_code = 0
        self.summary: dict[str, object] = {}  # what close() found, as data (--json)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, lines: Iterable[str]) -> int:
        """Execute lines until `close` or the end of the input; return the exit code."""
        try:
            if self.prompt:
                self.out.write(self.prompt)
                self.out.flush()
            try:
                for line in lines:
                    if not self.execute(line):
                        break
                    if self.prompt:
                        self.out.write(self.prompt)
                        self.out.flush()
            except KeyboardInterrupt:  # stop cleanly: the comparison so far, exit 3
                self.say("\ninterrupted by Ctrl-C: closing with the commands so far")
                self.interrupted = True
            if not self.closed:
                self.close()
            if self.interrupted and self.exit_code == 0:
                self.exit_code = 3
        finally:
            self.cluster.stop()
        return self.exit_code

    def execute(self, line: str) -> bool:
        """Execute one command line; False once the shell is closed."""
        self._collect_late()
        length = len(line.rstrip("\r\n"))
        if length > MAX_LINE:
            self._bad(
                f"line is longer than {MAX_LINE} characters ({length}; limit {MAX_LINE}); "
                "nothing was run, shorten it"
            )
            return True
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            self._bad(f"cannot parse {line.strip()!r}: {error}")
            return True
        if not words:
            return True
        name, args = words[0], words[1:]
        command = COMMANDS.get(name)
        if command is None:
            self._bad(f"unknown command {name!r}; commands: {', '.join(COMMANDS)} (try `help`)")
            return True
        if not command.min_args <= len(args) <= command.max_args:
            self._bad(f"{name} takes {_count(command)}, got {len(args)}; usage: {command.usage}")
            return True
        handler: Callable[[list[str]], None] = getattr(self, f"_do_{name}")
        try:
            handler(args)
        except ImplError as error:
            text = str(error) if str(error).startswith(name) else f"{name}: {error}"
            self._bad(f"{text}; usage: {command.usage}")
        return not self.closed

    def _bad(self, text: str) -> None:
        self.bad_commands += 1
        self.say(f"error: {text}")

    # -- commands ------------------------------------------------------------

    def _do_pay(self, args: list[str]) -> None:
        client, token_text, to = args
        if not _is_ascii_number(token_text):
            shown = token_text if len(token_text) <= 20 else token_text[:20] + "..."
            raise _Usage(
                f"token: expected a number 0..{self.params.tokens - 1} in ASCII digits "
                f"(at most {MAX_TOKEN_DIGITS}), got {shown!r}"
            )
        self._wait(self.cluster.pay(client, int(token_text), to))

    def _do_gettokens(self, args: list[str]) -> None:
        self._wait(self.cluster.gettokens(args[0], args[1]))

    def _do_transform(self, args: list[str]) -> None:
        self._wait(self.cluster.transform(args[0]))

    def _wait(self, handle: Handle) -> None:
        try:
            answer = self.cluster.run(handle)
        except OperationTimeout as error:
            self.incomplete.append(handle)
            self.say(f"timeout: {error}")
            return
        self._complete(handle, answer)
        self.say(f"{handle.node}: {handle.call} -> {answer}")

    def _complete(self, handle: Handle, answer: Answer) -> None:
        call = handle.call
        if handle.node == "manager":
            call = str(call)[len("transform(") : -1]
        self.completed.append(
            Completed(handle.node, call, answer, handle.invoked_seq, handle.answered_seq)  # type: ignore[arg-type]
        )

    def _collect_late(self) -> None:
        """Report operations that timed out but have been answered since, and
        count them as completed (the re-run replays them in answer order)."""
        late = [h for h in self.incomplete if h.done]
        if not late:
            return
        self.incomplete = [h for h in self.incomplete if not h.done]
        for handle in sorted(late, key=lambda h: h.answered_seq):
            assert handle.answer is not None
            self._complete(handle, handle.answer)
            self.say(f"late answer: {handle.node}: {handle.call} -> {handle.answer}")
        self.completed.sort(key=lambda c: c.answered_seq)

    def _do_status(self, args: list[str]) -> None:
        config = self.cluster.configuration()
        self.say(f"epoch {config.epoch}: servers {', '.join(config.servers)}")
        for s in self.cluster.status():
            epoch = "-" if s.epoch is None else str(s.epoch)
            flag = "faulty" if s.faulty else "correct"
            detail = f"  {s.detail}" if s.detail else ""
            self.say(f"  {s.name:<4} {s.role:<7} epoch {epoch:<3} {flag}{detail}")

    def _do_token_status(self, args: list[str]) -> None:
        store = self.cluster.store(args[0])
        cells = [f"{t:>2}:v{v} {o}" for t, (v, o) in sorted(store.items())]
        for i in range(0, len(cells), 6):
            self.say("  " + "  ".join(f"{c:<12}" for c in cells[i : i + 6]).rstrip())

    def _do_faults(self, args: list[str]) -> None:
        if args and args[0] != "set":
            raise _Usage(f"faults: expected nothing or `set`, got {args[0]!r}")
        if args:
            self.cluster.set_faults(args[1:])
        servers = self.cluster.servers()
        n = len(servers)
        names = sorted(x for x in self.cluster.env.faulty if x in servers)
        former = sorted(x for x in self.cluster.env.faulty if x not in servers)
        line = f"faulty: {', '.join(names) or 'none'} (at most maxf({n}) = {maxf(n)})"
        if former:  # a faulty server that left: not a server now, so not under the bound
            line += f"; clients now, faulty when they left: {', '.join(former)}"
        self.say(line)

    def _do_help(self, args: list[str]) -> None:
        if args:
            command = COMMANDS.get(args[0])
            if command is None:
                raise _Usage(f"help: unknown command {args[0]!r}; commands: {', '.join(COMMANDS)}")
            self.say(f"{command.usage}: {command.summary}")
            return
        for c in COMMANDS.values():
            self.say(f"  {c.usage:<34} {c.summary}")

    def _do_close(self, args: list[str]) -> None:
        self.close()

    def close(self) -> None:
        """Compare with the fault-free re-run of the completed commands; stop."""
        self.closed = True
        self.cluster.quiesce(self.params.timeout)
        self._collect_late()
        mine = latest_values(self.cluster)
        again = rerun(self.params, self.completed)
        comparison = compare(self.completed, again.answers)
        for d in comparison.differences:
            self.say(
                f"  answer differs at #{d.index + 1} {d.op.describe()}: {d.op.answer} here, "
                f"{d.rerun} fault-free ({d.verdict}: {d.why})"
            )
        owners_here = {t: o for t, (_, o) in mine.items()}
        owners_again = {t: o for t, (_, o) in again.ownership.items()}
        differing = sorted(t for t in owners_here if owners_here[t] != owners_again.get(t))
        self.say(
            f"re-ran {len(self.completed)} commands without faults or delays: "
            + ("same final ownership" if not differing else f"{len(differing)} tokens differ")
            + f" of all {len(mine)} tokens"
        )
        for t in differing:
            self.say(f"  token {t}: {owners_here[t]} here, {owners_again.get(t)} fault-free")
        if differing or comparison.failures:
            self.exit_code = 1
        if self.incomplete:
            self.say(f"{len(self.incomplete)} operations did not complete: {self.incomplete}")
            self.exit_code = 1
        if self.bad_commands:
            self.say(f"{self.bad_commands} commands rejected (each printed an error; none ran)")
        self.summary = {
            "completed": [
                {
                    "node": c.node,
                    "call": c.describe().split(": ", 1)[1],
                    "answer": c.answer.to_json(),
                }
                for c in self.completed
            ],
            "incomplete": [repr(h) for h in self.incomplete],
            "rejected": self.bad_commands,
            "answers_differing": [
                {"index": d.index + 1, "op": d.op.describe(), "verdict": d.verdict, "why": d.why}
                for d in comparison.differences
            ],
            "tokens_differing": differing,
            "same_final_ownership": not differing,
            "interrupted": self.interrupted,
            "exit_code": 3 if self.interrupted and self.exit_code == 0 else self.exit_code,
        }


class _Usage(ImplError):
    """A command's argument is malformed (prints with the command's usage)."""


def _is_ascii_number(text: str) -> bool:
    """ASCII decimal digits only (str.isdigit() also accepts '²', '①', '٣'...)."""
    return 0 < len(text) <= MAX_TOKEN_DIGITS and text.isascii() and text.isdigit()


def _count(command: Command) -> str:
    if command.min_args == command.max_args:
        n = command.min_args
        return "no arguments" if n == 0 else f"{n} argument{'s' * (n > 1)}"
    if command.max_args >= 99:
        return f"at least {command.min_args} arguments"
    return f"{command.min_args} to {command.max_args} arguments"
