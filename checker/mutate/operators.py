"""One-change mutants of a module's functions, found with `ast`.

    >>> src = "def ready(n, q):\\n    return n >= q\\n"
    >>> [m.change for m in mutants_of_source("m", "m.py", src)]
    ['n >= q -> n > q', 'n >= q -> n < q']

Each mutant is one change inside one function body (never a default, an
annotation or module-level code): a comparison loosened or flipped, a
condition forced true or false (a guard dropped), an `and`/`or` clause
dropped, `max`/`min` (or `any`/`all`) swapped, an int constant off by one
or a bool flipped, a send removed, an update skipped (an assignment to a
subscript or attribute, a reassignment, a field of `_replace`/`replace`),
a quorum size changed by one. A mutant is named by where it is and what it
changes, not by its line, so a list of equivalent mutants survives edits
elsewhere in the file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Comparison -> (loosened or tightened at the boundary, negated).
_COMPARE: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_SWAPS = {"max": "min", "min": "max", "any": "all", "all": "any"}
_FIELD_UPDATES = {"_replace", "replace"}

Change = Callable[[ast.AST], ast.AST | None]  # the node -> its replacement (None: removed)


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change: `node` is the index of the changed node in `walk(function)`."""

    module: str  # dotted module name
    path: str  # the file, as shown
    function: str  # qualified name of the top-level function or method
    line: int
    operator: str
    before: str  # source of the changed node
    after: str  # what replaces it
    node: int
    variant: int
    occurrence: int = 0  # among equal (function, operator, change) in this module
    line_before: str = ""  # the source line, and the same line mutated ("" if not one line)
    line_after: str = ""

    @property
    def change(self) -> str:
        return f"{self.before} -> {self.after}"

    @property
    def diff(self) -> str:
        """The change as a one-line diff of its source line."""
        if self.line_before and self.line_before != self.line_after:
            return f"{self.line_before}  =>  {self.line_after}"
        return self.change

    @property
    def id(self) -> str:
        """Stable name: module, function, operator and change (no line)."""
        suffix = f" #{self.occurrence + 1}" if self.occurrence else ""
        return f"{self.module}:{self.function}:{self.operator}: {self.change}{suffix}"


def functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef]]:
    """Top-level functions and the methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield f"{node.name}.{item.name}", item


def walk(function: ast.FunctionDef) -> list[ast.AST]:
    """The nodes of a function's body in a fixed order, skipping nested
    functions' signatures, annotations and docstrings."""
    found: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in _body(node):
                visit(stmt)
            return
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns", "decorator_list"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    visit(child)

    visit(function)
    return found


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = function.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return body[1:]  # the docstring
    return body


def _text(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _changes(
    node: ast.AST, parent: ast.AST | None, context: _Context
) -> Iterator[tuple[str, str, Change]]:
    """(operator, replacement text, change) for each mutant of `node`."""
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            for swapped in _COMPARE.get(type(op), ()):
                yield "compare", _text(_with_op(node, k, swapped)), _op_change(k, swapped)
    elif isinstance(node, ast.If | ast.While | ast.IfExp):
        for value in (True, False):
            test = ast.Constant(value)
            label = "guard dropped" if not value and _is_guard(node) else f"always {value}"
            yield label, str(value), _set_test(test)
    elif isinstance(node, ast.BoolOp):
        for i in range(len(node.values)):
            rest = node.values[:i] + node.values[i + 1 :]
            kept = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            yield "clause dropped", _text(kept), _replace_with(kept)
    elif isinstance(node, ast.Call):
        yield from _call_changes(node, context)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        if isinstance(parent, ast.Subscript) and parent.slice is node:
            return  # a record's field index: off by one reads another field
        literal = node.value
        if isinstance(literal, bool):
            yield "constant", str(not literal), _replace_with(ast.Constant(not literal))
        elif isinstance(literal, int):
            for delta in (1, -1):
                number = ast.Constant(literal + delta)
                yield "constant", str(literal + delta), _replace_with(number)
    elif isinstance(node, ast.AugAssign) or (
        isinstance(node, ast.Assign) and _is_update(node, context)
    ):
        yield "update skipped", "pass", _remove


@dataclass(slots=True)
class _Context:
    sends: frozenset[str]
    quorums: frozenset[str]
    bound: dict[str, int]  # name -> line of its first binding (parameters: 0)


def _call_changes(node: ast.Call, context: _Context) -> Iterator[tuple[str, str, Change]]:
    name = _called(node)
    if isinstance(node.func, ast.Name) and name in _SWAPS:
        swapped = ast.Call(ast.Name(_SWAPS[name], ast.Load()), node.args, node.keywords)
        yield "swap", _text(swapped), _replace_with(swapped)
    if name in context.sends and node.args:
        yield "send removed", _text(node.args[0]), _replace_with(node.args[0])
    if name in context.quorums:
        for op, sign in ((ast.Add(), "+"), (ast.Sub(), "-")):
            changed = ast.BinOp(node, op, ast.Constant(1))
            yield "quorum size", f"{_text(node)} {sign} 1", _replace_with(changed)
    if name in _FIELD_UPDATES:
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is None:
                continue
            rest = node.keywords[:i] + node.keywords[i + 1 :]
            shorter = ast.Call(node.func, node.args, rest)
            yield "update skipped", _text(shorter), _drop_keyword(i)


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _is_guard(node: ast.AST) -> bool:
    """An `if` without else whose body leaves early: a guard."""
    return (
        isinstance(node, ast.If)
        and not node.orelse
        and isinstance(node.body[-1], ast.Return | ast.Continue | ast.Break | ast.Raise)
    )


def _is_update(node: ast.Assign, context: _Context) -> bool:
    """An assignment that changes what exists (a subscript, an attribute, or a
    name bound before), unless its value is a send (that is `send removed`)."""
    if isinstance(node.value, ast.Call) and _called(node.value) in context.sends:
        return False
    for target in node.targets:
        if isinstance(target, ast.Subscript | ast.Attribute):
            return True
        if isinstance(target, ast.Name) and context.bound.get(target.id, node.lineno) < node.lineno:
            return True
    return False


def _with_op(node: ast.Compare, k: int, new: type[ast.cmpop]) -> ast.Compare:
    ops = list(node.ops)
    ops[k] = new()
    return ast.Compare(node.left, ops, node.comparators)


def _op_change(k: int, new: type[ast.cmpop]) -> Change:
    def change(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Compare)
        return _with_op(node, k, new)

    return change


def _set_test(test: ast.expr) -> Change:
    def change(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.If | ast.While | ast.IfExp)
        node.test = test
        return node

    return change


def _replace_with(new: ast.AST) -> Change:
    return lambda _node: new


def _remove(_node: ast.AST) -> None:
    return None


def _drop_keyword(i: int) -> Change:
    def change(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Call)
        return ast.Call(node.func, node.args, node.keywords[:i] + node.keywords[i + 1 :])

    return change


def _bindings(function: ast.FunctionDef) -> dict[str, int]:
    bound = {a.arg: 0 for a in (*function.args.posonlyargs, *function.args.args)}
    bound.update({a.arg: 0 for a in function.args.kwonlyargs})
    for node in walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.setdefault(node.id, node.lineno)
    return bound


def _parents(function: ast.FunctionDef) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(function) for child in ast.iter_child_nodes(node)}


def mutants_of_source(
    module: str,
    path: str,
    source: str,
    sends: tuple[str, ...] = (),
    quorums: tuple[str, ...] = (),
) -> list[Mutant]:
    """Every one-change mutant of the functions in `source`, in file order."""
    tree = ast.parse(source, path)
    found: list[Mutant] = []
    seen: dict[tuple[str, str, str], int] = {}
    for qualname, function in functions(tree):
        context = _Context(frozenset(sends), frozenset(quorums), _bindings(function))
        parents = _parents(function)
        for index, node in enumerate(walk(function)):
            if node is function:
                continue
            parent = parents.get(id(node))
            before = _before_text(node, source)
            for variant, (operator, after, _) in enumerate(_changes(node, parent, context)):
                key = (qualname, operator, f"{before} -> {after}")
                occurrence = seen.get(key, 0)
                seen[key] = occurrence + 1
                line = getattr(node, "lineno", function.lineno)
                old, new = _line_diff(source, node, after)
                found.append(
                    Mutant(
                        module,
                        path,
                        qualname,
                        line,
                        operator,
                        before,
                        after,
                        index,
                        variant,
                        occurrence,
                        old,
                        new,
                    )
                )
    return found


def _line_diff(source: str, node: ast.AST, after: str) -> tuple[str, str]:
    """The node's source line and that line with the node replaced (for an
    `if`, its test), when that sits on one line; else two empty strings."""
    span = node.test if isinstance(node, ast.If | ast.While | ast.IfExp) else node
    line = getattr(span, "lineno", None)
    if line is None or line != getattr(span, "end_lineno", None):
        return "", ""
    text = source.splitlines()[line - 1]
    if after == "pass":
        return text.strip(), "pass"
    start, stop = span.col_offset, span.end_col_offset  # type: ignore[attr-defined]
    raw = text.encode()  # columns count UTF-8 bytes
    new = raw[:start].decode() + after + raw[stop:].decode()
    return text.strip(), new.strip()


def _before_text(node: ast.AST, source: str) -> str:
    if isinstance(node, ast.If | ast.While):
        return f"{'if' if isinstance(node, ast.If) else 'while'} {_text(node.test)}"
    if isinstance(node, ast.IfExp):
        return f"... if {_text(node.test)} else ..."
    return _text(node)


def mutated_function(
    source: str,
    path: str,
    mutant: Mutant,
    sends: tuple[str, ...] = (),
    quorums: tuple[str, ...] = (),
) -> ast.Module:
    """A module holding only `mutant.function` (as a plain function), changed."""
    tree = ast.parse(source, path)
    function = dict(functions(tree))[mutant.function]
    context = _Context(frozenset(sends), frozenset(quorums), _bindings(function))
    parents = _parents(function)
    node = walk(function)[mutant.node]
    parent = parents.get(id(node))
    changes = list(_changes(node, parent, context))
    _, after, change = changes[mutant.variant]
    if after != mutant.after:
        raise ValueError(f"{mutant.id}: the source changed since the mutants were listed")
    new = change(node)
    if new is not node:
        _substitute(parent, node, new)
    function.decorator_list = []
    module = ast.Module([function], [])
    return ast.fix_missing_locations(module)


def _substitute(parent: ast.AST | None, old: ast.AST, new: ast.AST | None) -> None:
    if parent is None:
        raise ValueError("cannot replace a function itself")
    for name, value in ast.iter_fields(parent):
        if isinstance(value, list):
            for i, child in enumerate(value):
                if child is old:
                    value[i] = new if new is not None else ast.Pass()
                    return
        elif value is old:
            setattr(parent, name, new)
            return
    raise ValueError("node not found under its parent")
