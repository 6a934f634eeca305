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
