"""The sequential models: the token ledger, a register, a cas-register.

**tokens** (per token): the state is `(version, owner)`. `pay(token, to)`
by the owner answers `{"answer": "OK", "version": v+1}` and makes `to` the
owner of version v+1; by anyone else it answers `{"answer": "NOT_OWNER",
"version": v, "owner": o}` and changes nothing. `gettokens(owner)` answers
`{"answer": "TOKENS", "tokens": [[token, version], ...]}`, the tokens the
owner holds: per token, "owned at version v" or "not owned". Each token is
its own object, so gettokens is checked as one read per token, not as an
atomic snapshot of all of them (the protocol reads each token from a
quorum; PROTOCOL.md promises atomicity per token). Initial state: the header's
`init` `{"tokens": T, "clients": K}` (default 60 and 6): token t owned by
c((t mod K)+1) at version 1, as PROTOCOL.md section 1.

**register** (per `args.key`, default one register): `write(value)` answers
`{}`, `read()` answers `{"value": x}`; **cas-register** adds `cas(from, to)`
answering `{"ok": true}` (and writing `to`) iff the value was `from`. The
initial value is the header's `init` `{"value": x}` (default null).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from checker.linearizability.counter import CounterModel
from checker.linearizability.errors import HistoryError
from checker.linearizability.history import History, Operation
from checker.linearizability.model import (
    INFINITY,
    PENDING,
    Call,
    KeyedPartition,
    SequentialModel,
)

NOT_OWNED: tuple[str] = ("not_owned",)


class PayRecord(NamedTuple):
    op: int
    call: int
    ret: int
    token: int
    client: str
    to: str
    output: tuple[Any, ...]  # ("ok", v), ("not_owner", v, owner) or PENDING


class ReadRecord(NamedTuple):
    op: int
    call: int
    ret: int
    owner: str
    tokens: Mapping[int, int] | None  # token -> version owned; None: unfinished


def _fail(history: History, op: Operation, field_name: str, problem: str) -> HistoryError:
    line = op.ret_line if field_name.startswith("output") else op.line
    return HistoryError(history.source, line, field_name, problem)


def _int(
    history: History,
    op: Operation,
    where: Mapping[str, Any],
    name: str,
    prefix: str,
    minimum: int = 0,
) -> int:
    value = where.get(name)
    if type(value) is not int or value < minimum:  # type(): a bool is not an int here
        raise _fail(
            history, op, f"{prefix}.{name}", f"expected an integer >= {minimum}, got {value!r}"
        )
    return value


def _str(history: History, op: Operation, where: Mapping[str, Any], name: str, prefix: str) -> str:
    value = where.get(name)
    if not isinstance(value, str) or not value:
        raise _fail(history, op, f"{prefix}.{name}", f"expected a name, got {value!r}")
    return value


@dataclass
class LedgerPartition:
    """Per-token view of a tokens history, kept compact for the fast path."""

    initial: dict[int, tuple[int, str]]
    pays: list[PayRecord] = field(default_factory=list)
    reads: list[ReadRecord] = field(default_factory=list)

    @property
    def keys(self) -> Sequence[Hashable]:
        return sorted(self.initial)

    def init(self, key: Hashable) -> Hashable:
        assert isinstance(key, int)
        return self.initial[key]

    def calls(self, key: Hashable) -> list[Call]:
        out = [
            Call(p.op, p.call, p.ret, ("pay", p.client, p.to), p.output)
            for p in self.pays
            if p.token == key
        ]
        for r in self.reads:
            if r.tokens is None:
                output: Hashable = PENDING
            elif key in r.tokens:
                output = ("owned", r.tokens[key])  # type: ignore[index]
            else:
                output = NOT_OWNED
            out.append(Call(r.op, r.call, r.ret, ("owns", r.owner), output))
        out.sort(key=lambda c: c.call)
        return out


class TokensModel:
    name = "tokens"

    def partition(self, history: History) -> LedgerPartition:
        init = history.init
        tokens = init.get("tokens", 60)
        clients = init.get("clients", 6)
        for name, value in (("tokens", tokens), ("clients", clients)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise HistoryError(
                    history.source, 1, f"init.{name}", f"expected an integer >= 1, got {value!r}"
                )
        part = LedgerPartition({t: (1, f"c{t % clients + 1}") for t in range(tokens)})
        for op in history.operations:
            ret = INFINITY if op.ret is None else op.ret
            out = op.output
            if op.op == "pay":
                token = op.args.get("token")
                if type(token) is not int or token not in part.initial:
                    token = _int(history, op, op.args, "token", "args")
                    raise _fail(
                        history,
                        op,
                        "args.token",
                        f"token {token} is not in 0..{tokens - 1} (init.tokens={tokens})",
                    )
                to = _str(history, op, op.args, "to", "args")
                output: tuple[Any, ...] = PENDING
                if out is not None:
                    answer = out.get("answer")
                    version = _int(history, op, out, "version", "output", minimum=1)
                    if answer == "OK":
                        output = ("ok", version)
                    elif answer == "NOT_OWNER":
                        output = ("not_owner", version, _str(history, op, out, "owner", "output"))
                    else:
                        raise _fail(
                            history,
                            op,
                            "output.answer",
                            f"{answer!r}: a pay answers OK or NOT_OWNER",
                        )
                part.pays.append(PayRecord(op.id, op.call, ret, token, op.process, to, output))
            elif op.op == "gettokens":
                owner = _str(history, op, op.args, "owner", "args")
                owned = None if out is None else self._owned(history, op, out, part.initial)
                part.reads.append(ReadRecord(op.id, op.call, ret, owner, owned))
            else:
                raise _fail(history, op, "op", f"{op.op!r}: the tokens model has pay and gettokens")
        return part

    @staticmethod
    def _owned(
        history: History,
        op: Operation,
        out: Mapping[str, Any],
        initial: Mapping[int, tuple[int, str]],
    ) -> dict[int, int]:
        if out.get("answer") != "TOKENS":
            raise _fail(
                history, op, "output.answer", f"{out.get('answer')!r}: gettokens answers TOKENS"
            )
        pairs = out.get("tokens")
        if not isinstance(pairs, list):
            raise _fail(
                history, op, "output.tokens", f"expected a list of [token, version], got {pairs!r}"
            )
        try:
            owned: dict[int, int] = dict(pairs)
        except (TypeError, ValueError):
            owned = {}
        # C-level checks on the whole answer; the loop below only finds the culprit
        if (
            len(owned) == len(pairs)
            and owned.keys() <= initial.keys()
            and set(map(type, owned)) <= {int}
            and set(map(type, owned.values())) <= {int}
            and (not owned or min(owned.values()) >= 1)
        ):
            return owned
        seen: set[int] = set()
        for pair in pairs:
            if (
                type(pair) is not list
                or len(pair) != 2
                or type(pair[0]) is not int
                or type(pair[1]) is not int
                or pair[0] not in initial
                or pair[0] in seen
                or pair[1] < 1
            ):
                raise _fail(
                    history,
                    op,
                    "output.tokens",
                    f"{pair!r}: expected [token, version], each token once, tokens "
                    f"0..{len(initial) - 1}, versions >= 1",
                )
            seen.add(pair[0])
        raise AssertionError("unreachable: the checks above and the loop agree")

    def step(
        self, state: tuple[int, str], input: tuple[Any, ...], output: Hashable
    ) -> tuple[bool, tuple[int, str]]:
        version, owner = state
        if input[0] == "pay":
            if owner == input[1]:
                after = (version + 1, input[2])
                return output == PENDING or output == ("ok", version + 1), after
            return output == PENDING or output == ("not_owner", version, owner), state
        if owner == input[1]:
            return output in (PENDING, ("owned", version)), state
        return output in (PENDING, NOT_OWNED), state

    def describe(self, input: tuple[Any, ...], output: Hashable) -> str:
        call = f"pay(to {input[2]}) by {input[1]}" if input[0] == "pay" else f"owns({input[1]})"
        return f"{call} -> {_show(output)}"


def _show(output: Hashable) -> str:
    if output == PENDING:
        return "pending"
    assert isinstance(output, tuple)
    return f"{output[0]}({', '.join(map(str, output[1:]))})" if len(output) > 1 else output[0]


def _value(
    history: History, op: Operation, where: Mapping[str, Any], name: str, prefix: str
) -> Hashable:
    if name not in where:
        raise _fail(history, op, f"{prefix}.{name}", "missing")
    value = where[name]
    if isinstance(value, (list, dict)):
        raise _fail(
            history,
            op,
            f"{prefix}.{name}",
            f"expected a number, string, boolean or null, got {value!r}",
        )
    return value  # type: ignore[no-any-return]


class RegisterModel:
    """A read/write register per key; `cas=True` adds compare-and-set."""

    def __init__(self, cas: bool = False) -> None:
        self.cas = cas
        self.name = "cas-register" if cas else "register"

    def partition(self, history: History) -> KeyedPartition:
        initial = history.init.get("value")
        if isinstance(initial, (list, dict)):
            raise HistoryError(
                history.source,
                1,
                "init.value",
                f"expected a number, string, boolean or null, got {initial!r}",
            )
        part = KeyedPartition(initial)
        for op in history.operations:
            key = op.args.get("key")
            if isinstance(key, (list, dict)):
                raise _fail(history, op, "args.key", f"expected a scalar, got {key!r}")
            out = op.output
            input: tuple[Any, ...]
            output: Hashable = PENDING
            if op.op == "read":
                input = ("read",)
                if out is not None:
                    output = ("value", _value(history, op, out, "value", "output"))
            elif op.op == "write":
                input = ("write", _value(history, op, op.args, "value", "args"))
                output = PENDING if out is None else ("ok",)
            elif op.op == "cas" and self.cas:
                input = (
                    "cas",
                    _value(history, op, op.args, "from", "args"),
                    _value(history, op, op.args, "to", "args"),
                )
                if out is not None:
                    ok = out.get("ok")
                    if not isinstance(ok, bool):
                        raise _fail(history, op, "output.ok", f"expected true or false, got {ok!r}")
                    output = ("cas", ok)
            else:
                ops = "read, write and cas" if self.cas else "read and write (cas: cas-register)"
                raise _fail(history, op, "op", f"{op.op!r}: the {self.name} model has {ops}")
            ret = INFINITY if op.ret is None else op.ret
            part.by_key.setdefault(key, []).append(Call(op.id, op.call, ret, input, output))
        return part

    def step(
        self, state: Hashable, input: tuple[Any, ...], output: Hashable
    ) -> tuple[bool, Hashable]:
        if input[0] == "read":
            return output == PENDING or output == ("value", state), state
        if input[0] == "write":
            return True, input[1]
        swapped = state == input[1]
        return output == PENDING or output == ("cas", swapped), input[2] if swapped else state

    def describe(self, input: tuple[Any, ...], output: Hashable) -> str:
        return f"{input[0]}({', '.join(map(repr, input[1:]))}) -> {_show(output)}"


MODELS: dict[str, Callable[[], SequentialModel]] = {
    "tokens": TokensModel,
    "register": RegisterModel,
    "cas-register": lambda: RegisterModel(cas=True),
    "counter": CounterModel,
}
