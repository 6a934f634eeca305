"""checker.native: which code runs, compiled modules or their source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli.mutate import mutate_command
from checker.cli.source_rerun import command_line
from checker.native import (
    COMPILED,
    PURE_VARIABLE,
    compiled_active,
    extension_path,
    group_path,
    source_file,
    source_path,
    why_pure,
)


def _tree(root: Path, *, built: tuple[str, ...] = COMPILED, group: bool = True) -> None:
    """Sources for every compiled module, extensions for `built`, all dated 1000."""
    for module in COMPILED:
        source = source_path(module, root)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("")
        os.utime(source, (1000, 1000))
    for module in built:
        extension_path(module, root).write_bytes(b"")
        os.utime(extension_path(module, root), (1000, 1000))
    if group:
        group_path(root).write_bytes(b"")


def test_a_complete_build_runs_compiled(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert why_pure(tmp_path, {}) is None


def test_the_variable_asks_for_the_source(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert why_pure(tmp_path, {PURE_VARIABLE: "1"}) == f"{PURE_VARIABLE} is set"
    assert why_pure(tmp_path, {PURE_VARIABLE: "0"}) is None


def test_no_build_and_a_partial_build_run_the_source(tmp_path: Path) -> None:
    _tree(tmp_path, built=())
    assert why_pure(tmp_path, {}) == "not built"
    _tree(tmp_path, built=COMPILED[:3])
    assert why_pure(tmp_path, {}) == "only part of the compiled modules are there"


def test_a_build_without_its_shared_library_runs_the_source(tmp_path: Path) -> None:
    _tree(tmp_path, group=False)
    assert why_pure(tmp_path, {}) == "only part of the compiled modules are there"


def test_a_source_edited_after_the_build_runs_every_source(tmp_path: Path) -> None:
    _tree(tmp_path)
    edited = source_path("spec.tokens.state", tmp_path)
    os.utime(edited, (2000, 2000))
    assert why_pure(tmp_path, {}) == "spec/tokens/state.py changed after it was compiled"


def test_source_file_names_the_python_file_of_every_compiled_module() -> None:
    for module in COMPILED:
        assert source_file(module) == source_path(module)
        assert source_file(module).is_file()


def _file_of(module: str, pure: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != PURE_VARIABLE}
    if pure:
        env[PURE_VARIABLE] = "1"
    code = f"import {module} as m, sys; sys.stdout.write(m.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_variable_makes_a_fresh_process_import_the_source() -> None:
    assert _file_of("spec.tokens.state", pure=True).endswith("spec/tokens/state.py")


@pytest.mark.skipif(not compiled_active(), reason="the compiled modules are not built here")
def test_a_built_install_imports_the_compiled_modules() -> None:
    assert _file_of("spec.tokens.state", pure=False).endswith(extension_path("x").suffix)
    assert _file_of("checker.explore", pure=False).endswith(extension_path("x").suffix)
    assert _file_of("spec.register.model", pure=False).endswith(extension_path("x").suffix)


@pytest.mark.parametrize(
    "args",
    [
        ["--protocol", "tokens", "--config", "W3", "--max-mutants", "5", "--match", "a",
         "--match", "b c", "--seed", "7", "--jobs", "2", "--max-seconds", "12.5", "--json"],
        [],
        ["--max-seconds", "0.1"],
    ],
)  # fmt: skip
def test_the_rerun_command_line_gives_back_the_same_options(args: list[str]) -> None:
    first = mutate_command.make_context("mutate", list(args))
    line = command_line(first)
    assert line[0] == "mutate"
    assert mutate_command.make_context("mutate", line[1:]).params == first.params


def test_check_mutate_kills_a_token_mutant_whichever_code_runs() -> None:
    # Compiled, the command runs again as source in a child: the mutant must still be killed.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from checker.cli import main; main()",
            "mutate",
            "--match",
            "message_step:guard dropped: if kind not in TO_SERVER",
            "--max-seconds",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "killed      OperationCompletes" in done.stdout
    assert "killed 1 (crashed 0), survived 0" in done.stdout
