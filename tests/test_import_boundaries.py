"""The layout is the architecture: each rule below is a dependency that must
run one way (STYLE.md). Imports are read with `ast`, so a lazy import inside
a function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from collections.abc import Container
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def _offenders(
    package: str, forbidden: set[str], allowed: Container[str] = frozenset()
) -> list[str]:
    bad = []
    for path in _modules(package):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        for name in _imports(path):
            if _top(name) in forbidden:
                bad.append(f"{relative} imports {name}")
    return bad


def test_the_engine_imports_no_protocol_and_no_implementation() -> None:
    engine = [
        f"{p.relative_to(ROOT).as_posix()} imports {name}"
        for p in _modules("checker")
        if "cli" not in p.relative_to(ROOT).parts
        for name in _imports(p)
        if _top(name) in {"spec", "impl"}
    ]
    assert engine == []


def test_the_cli_reaches_the_protocols_only_through_its_registry() -> None:
    # shell, run, selfcheck and replay drive impl/tokens, generals_shell impl/generals,
    # smr impl/smr, cluster impl/cluster: implementation commands.
    impl_commands = {
        "checker/cli/shell.py",
        "checker/cli/run.py",
        "checker/cli/selfcheck.py",
        "checker/cli/replay.py",
        "checker/cli/generals_shell.py",
        "checker/cli/smr.py",
        "checker/cli/cluster.py",
    }
    spec_users = [
        f"{p.relative_to(ROOT).as_posix()} imports {name}"
        for p in _modules("checker/cli")
        if p.relative_to(ROOT).as_posix() != "checker/cli/registry.py"
        for name in _imports(p)
        if _top(name) == "spec"
    ]
    assert spec_users == []
    assert _offenders("checker/cli", {"impl"}, impl_commands) == []


def test_the_implementation_imports_neither_spec_nor_checker() -> None:
    assert _offenders("impl", {"spec", "checker"}) == []


def test_specs_use_only_the_checkers_interface_types() -> None:
    interface = {"checker.model", "checker.protocol", "checker.errors"}
    bad = [
        f"{p.relative_to(ROOT).as_posix()} imports {name}"
        for p in _modules("spec")
        for name in _imports(p)
        if _top(name) == "checker" and name not in interface
    ]
    assert bad == []


@pytest.mark.parametrize("package", ["checker", "spec", "impl"])
def test_z3_lives_only_in_proof_modules(package: str) -> None:
    proof_modules = {
        p.relative_to(ROOT).as_posix()
        for p in _modules(package)
        if p.stem == "solver" or p.stem.endswith("proofs")
    }
    assert _offenders(package, {"z3"}, proof_modules) == []


@pytest.mark.parametrize("package", ["checker", "spec", "impl"])
def test_click_lives_only_in_the_cli(package: str) -> None:
    cli = {p.relative_to(ROOT).as_posix() for p in _modules("checker/cli")}
    assert _offenders(package, {"click"}, cli) == []


@pytest.mark.parametrize("package", ["checker", "spec", "impl"])
def test_ray_lives_only_in_the_ray_engine(package: str) -> None:
    # An optional extra: every other module must import without it.
    assert _offenders(package, {"ray"}, {"checker/ray_engine.py"}) == []


def test_the_rules_can_fail_on_a_module_that_breaks_them(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from spec.tokens import model\n    import click\n")
    assert _imports(module) == {"spec.tokens", "click"}
