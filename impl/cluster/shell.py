"""`check shell --cluster DIR`: the familiar shell, against the live cluster.

The commands of impl/tokens/shell.py (pay, gettokens, transform, status,
token_status, faults, help, close), plus `kill <server>` and `restart
<server>`. Each pay and gettokens runs in that client's ClusterClient (one per
client name, kept open for the session); status and token_status ask the
processes. `close` re-runs the completed commands on a fresh fault-free
threaded system (impl/tokens' re-run) and compares answers and final
ownership with the live stores, as the threaded shell does; the cluster keeps
running (`check cluster down` stops it).
"""

from __future__ import annotations

import shlex
from typing import Any, TextIO

from impl.cluster.audit import snapshot
from impl.cluster.client import ClusterClient
from impl.cluster.errors import ClusterError
from impl.cluster.layout import Layout
from impl.cluster.operator import Operator
from impl.tokens.audit import Completed, compare, rerun
from impl.tokens.config import Params
from impl.tokens.errors import ImplError, OperationTimeout
from impl.tokens.operations import Answer, GetTokens, Installed, Pay
from impl.tokens.shell import MAX_TOKEN_DIGITS, Shell

EXTRA = {
    "kill": "kill <server>: SIGKILL a server's process (refused beyond maxf(n))",
    "restart": "restart <server>: start a killed server again, with its store",
}


class _Clients:
    """The shell's open clients; `stop` is what Shell.run calls at the end."""

    def __init__(self, layout: Layout, timeout: float) -> None:
        self.layout = layout
        self.timeout = timeout
        self.open: dict[str, ClusterClient] = {}

    def get(self, name: str) -> ClusterClient:
        if name not in self.open:
            self.open[name] = ClusterClient(self.layout, name, trace=True)
        return self.open[name]

    def stop(self) -> None:
        for client in self.open.values():
            client.close()
        self.open.clear()


class ClusterShell(Shell):
    def __init__(
        self, layout: Layout, out: TextIO, timeout: float = 10.0, prompt: str = ""
    ) -> None:
        # Shell.__init__ builds a threaded system; this shell drives processes instead
        self.layout = layout
        self.operator = Operator(layout)
        data = self.operator.cluster
        self.params = Params(
            servers=len(data.servers), clients=len(data.clients), tokens=data.tokens,
            faulty=tuple(data.faulty), drop=data.drop, timeout=timeout,
        )  # fmt: skip
        self.out = out
        self.prompt = prompt
        self.cluster: Any = _Clients(layout, timeout)
        self.begin_session()
        self._seq = 0

    def execute(self, line: str) -> bool:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = []
        if words and words[0] in EXTRA:
            if len(words) != 2:
                self._bad(
                    f"{words[0]} takes 1 argument, got {len(words) - 1}; usage: {EXTRA[words[0]]}"
                )
                return True
            try:
                if words[0] == "kill":
                    self.say(f"killed {words[1]} (pid {self.operator.kill(words[1])})")
                else:
                    pid, port = self.operator.restart(words[1])
                    self.say(f"restarted {words[1]}: pid {pid} 127.0.0.1:{port}")
            except ClusterError as error:
                self._bad(str(error))
            return True
        if words and words[0] == "help" and len(words) == 1:
            super().execute(line)
            for usage in EXTRA.values():
                name, summary = usage.split(": ", 1)
                self.say(f"  {name:<34} {summary}")
            return True
        return super().execute(line)

    def _record(self, node: str, call: Pay | GetTokens | str, answer: Answer) -> None:
        self._seq += 2
        self.completed.append(Completed(node, call, answer, self._seq - 1, self._seq))
        what = f"transform({call})" if isinstance(call, str) else str(call)
        self.say(f"{node}: {what} -> {answer}")

    def _run(self, client: str, call: Pay | GetTokens) -> None:
        try:
            c = self.cluster.get(client)
            answer = c.submit(call).wait(self.params.timeout)
        except OperationTimeout as error:
            self.exit_code = 1
            self.incomplete.append(f"{client}: {call}")
            self.say(f"timeout: {error}")
            return
        except ClusterError as error:
            raise _Refused(str(error)) from error
        self._record(client, call, answer)

    def _do_pay(self, args: list[str]) -> None:
        client, token_text, to = args
        if not (
            token_text.isascii() and token_text.isdigit() and len(token_text) <= MAX_TOKEN_DIGITS
        ):
            raise _Refused(
                f"token: expected a number 0..{self.params.tokens - 1}, got {token_text[:20]!r}"
            )
        self._run(client, Pay(int(token_text), to))

    def _do_gettokens(self, args: list[str]) -> None:
        self._run(args[0], GetTokens(args[1]))

    def _do_transform(self, args: list[str]) -> None:
        try:
            result = self.operator.transform(args[0])
        except ClusterError as error:
            raise _Refused(str(error)) from error
        self._record("manager", args[0], Installed(result["epoch"], tuple(result["servers"])))

    def _do_status(self, args: list[str]) -> None:
        epoch, servers = self.layout.read().current
        self.say(f"epoch {epoch}: servers {', '.join(servers)}")
        for r in self.operator.status():
            port = "-" if r.port is None else str(r.port)
            at = "-" if r.epoch is None else str(r.epoch)
            line = f"  {r.name:<8} {r.role:<8} epoch {at:<3} port {port:<6} {r.health:<9}"
            self.say(f"{line} {r.detail}".rstrip())

    def _do_token_status(self, args: list[str]) -> None:
        try:
            store = self.operator.store(args[0])
        except ClusterError as error:
            raise _Refused(f"{args[0]!r} is not a running server ({error})") from error
        if store is None:
            self.say("  no store yet (joining)")
            return
        cells = [f"{t:>2}:v{v} {o}" for t, (v, o) in sorted(store.items())]
        for i in range(0, len(cells), 6):
            self.say("  " + "  ".join(f"{c:<12}" for c in cells[i : i + 6]).rstrip())

    def _do_faults(self, args: list[str]) -> None:
        if args:
            raise _Refused("faults are fixed when the cluster starts (check cluster up --faulty)")
        data = self.layout.read()
        self.say(f"faulty: {', '.join(data.faulty) or 'none'} (drop {data.drop})")

    def close(self) -> None:
        """Compare the live stores with a fault-free re-run of the completed commands."""
        self.closed = True
        snap, missing = snapshot(self.layout)
        latest: dict[int, tuple[int, str]] = {}
        for store in snap.stores().values():
            for t, (v, o) in (store or {}).items():
                if t not in latest or v > latest[t][0]:
                    latest[t] = (v, o)
        again = rerun(self.params, self.completed)
        comparison = compare(self.completed, again.answers)
        for d in comparison.differences:
            self.say(f"  answer differs at #{d.index + 1} {d.op.describe()}: {d.op.answer} here, "
                     f"{d.rerun} fault-free ({d.verdict}: {d.why})")  # fmt: skip
        differing = sorted(t for t in latest if latest[t][1] != again.ownership.get(t, (0, ""))[1])
        self.say(
            f"re-ran {len(self.completed)} commands without faults or delays: "
            + ("same final ownership" if not differing else f"{len(differing)} tokens differ")
            + f" of all {len(latest)} tokens"
            + (f" (not asked: {', '.join(missing)}, down)" if missing else "")
        )
        if differing or comparison.failures or self.incomplete:
            self.exit_code = 1
        self.operator.close()


class _Refused(ImplError):
    """A cluster command that cannot run; printed with the command's usage."""
