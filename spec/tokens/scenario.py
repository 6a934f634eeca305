"""Scenarios: a fixed workload and a fixed sequence of role changes.

    >>> ops = parse_workload("c1: pay(0,c2); c2: gettokens(c2)", ["s1", "c1", "c2"], tokens=1)
    >>> [(node, [str(op) for op in script]) for node, script in ops.items()]
    [('c1', ['pay(0,c2)']), ('c2', ['gettokens(c2)'])]

A workload names, for each node, the operations it starts in order while it
is a client: `pay(TOKEN,PAYEE)` or `gettokens(OWNER)`. Transforms name the
nodes whose role changes, in order: `c2, s2` (c2 joins, then s2 leaves).
Like a TLA+ constraint, a scenario narrows what is explored; every
interleaving of the named steps is still explored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spec.tokens.errors import ScenarioError

PAY = 0
GETTOKENS = 1

_OP = re.compile(r"^(pay)\(\s*(\d+)\s*,\s*(\w+)\s*\)$|^(gettokens)\(\s*(\w+)\s*\)$")


@dataclass(frozen=True, slots=True)
class ScriptedOp:
    kind: int  # PAY or GETTOKENS
    token: int | None  # pay only
    target: str  # payee or owner

    def __str__(self) -> str:
        if self.kind == PAY:
            return f"pay({self.token},{self.target})"
        return f"gettokens({self.target})"


def parse_workload(
    text: str, node_names: list[str], tokens: int
) -> dict[str, tuple[ScriptedOp, ...]]:
    """Parse `node: op, op; node: op` into each node's operations in order."""
    workload: dict[str, tuple[ScriptedOp, ...]] = {}
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        node, sep, ops_text = entry.partition(":")
        node = node.strip()
        if not sep:
            raise ScenarioError(
                "--workload", entry, "expected 'NODE: OP, OP', e.g. 'c1: pay(0,c2)'"
            )
        _check_node("--workload", node, node_names)
        if node in workload:
            raise ScenarioError(
                "--workload", entry, f"{node} is listed twice; put all its ops in one entry"
            )
        ops = []
        for op_text in _split_ops(ops_text):
            ops.append(_parse_op(op_text, node, node_names, tokens))
        if not ops:
            raise ScenarioError("--workload", entry, f"no operation given for {node}")
        workload[node] = tuple(ops)
    if not workload:
        raise ScenarioError("--workload", text, "no operation given")
    return workload


def parse_transforms(text: str, node_names: list[str]) -> tuple[str, ...]:
    """Parse `c2, s2` into the sequence of nodes whose role changes."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise ScenarioError("--transforms", text, "expected node names, e.g. 'c2, s2'")
    for name in names:
        _check_node("--transforms", name, node_names)
    return names


def check_possible(
    transforms: tuple[str, ...] | None,
    workload: dict[str, tuple[ScriptedOp, ...]] | None,
    servers: list[str],
    faulty: int,
    min_servers: int,
    max_servers: int,
    reconfigs: int,
) -> None:
    """Refuse a scenario whose listed changes or operations can never happen
    (a run of it would check less than it seems to, and verify)."""
    current = list(servers)
    leavers: set[str] = set()
    for number, node in enumerate(transforms or (), start=1):
        n = len(current)
        if node in current:
            if n - 1 < min_servers:
                raise ScenarioError(
                    "--transforms", node, f"change {number}: {node} can never leave: "
                    f"{n} servers then, and at least --min-servers {min_servers} must stay",
                )  # fmt: skip
            current.remove(node)
            leavers.add(node)
        else:
            if n + 1 > max_servers:
                raise ScenarioError(
                    "--transforms", node, f"change {number}: {node} can never join: "
                    f"{n} servers then, and at most --max-servers {max_servers}",
                )  # fmt: skip
            current.append(node)
        bad = sum(1 for s in current if s in servers[:faulty])
        if bad > (len(current) - 1) // 2:
            raise ScenarioError(
                "--transforms", node, f"change {number} would leave {bad} faulty servers among "
                f"{len(current)}, more than maxf({len(current)}); it can never happen",
            )  # fmt: skip
    if transforms is None:  # any server may leave if the bounds allow one change
        leavers = set(servers) if reconfigs and len(servers) > min_servers else set()
    ever_clients = {name for name in _all_named(workload) if name not in servers} | leavers
    for node, ops in (workload or {}).items():
        if node not in ever_clients:
            raise ScenarioError(
                "--workload", node, f"{node} is a server that never leaves, so its operations "
                "never start; list it in --transforms (and --reconfigs) or script a client",
            )  # fmt: skip
        for op in ops:
            if op.target not in ever_clients and op.target in servers:
                raise ScenarioError(
                    "--workload", str(op), f"{op.target} is a server that never leaves, so "
                    f"{op} can never start (payees and owners must be clients)",
                )  # fmt: skip


def _all_named(workload: dict[str, tuple[ScriptedOp, ...]] | None) -> set[str]:
    names = set(workload or ())
    for ops in (workload or {}).values():
        names.update(op.target for op in ops)
    return names


def _split_ops(text: str) -> list[str]:
    # Split on commas outside parentheses: pay(0,c2) holds a comma itself.
    ops, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            ops.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        ops.append(current.strip())
    return ops


def _parse_op(text: str, node: str, node_names: list[str], tokens: int) -> ScriptedOp:
    match = _OP.match(text.replace(" ", ""))
    if match is None:
        raise ScenarioError(
            "--workload", text, "expected pay(TOKEN,PAYEE) or gettokens(OWNER), e.g. pay(0,c2)"
        )
    if match.group(1):
        token, payee = int(match.group(2)), match.group(3)
        if token >= tokens:
            raise ScenarioError(
                "--workload", text, f"token {token} does not exist (tokens 0..{tokens - 1})"
            )
        _check_node("--workload", payee, node_names, part=text)
        if payee == node:
            raise ScenarioError("--workload", text, f"{node} cannot pay itself")
        return ScriptedOp(PAY, token, payee)
    owner = match.group(5)
    _check_node("--workload", owner, node_names, part=text)
    return ScriptedOp(GETTOKENS, None, owner)


def _check_node(option: str, name: str, node_names: list[str], part: str | None = None) -> None:
    if name not in node_names:
        raise ScenarioError(
            option, part or name, f"unknown node {name!r}; nodes are {', '.join(node_names)}"
        )
