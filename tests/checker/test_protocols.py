"""Protocols as plug-ins: the registry, the options generated from a
parameter record, and a protocol installed from outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.protocol import ProtocolSpec, UnknownNameError
from spec import BUILTIN, protocol, protocols

TINY = Path(__file__).parents[1] / "data" / "tiny_protocol"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_builtin_protocol_is_registered_with_a_descriptor() -> None:
    found = protocols()
    assert list(found)[: len(BUILTIN)] == list(BUILTIN)
    for spec in found.values():
        assert isinstance(spec, ProtocolSpec)
        assert spec.standards, spec.name
        for mutant in spec.mutants:
            assert spec.standard(mutant.config).expected is None, mutant.name


def test_an_unknown_protocol_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError) as caught:
        protocol("paxos")
    assert "'paxos'" in str(caught.value) and "tokens" in str(caught.value)
    result = run("model", "--protocol", "paxos")
    assert result.exit_code == 2
    assert "'--protocol'" in result.output and "tokens" in result.output


def test_model_help_lists_one_option_per_parameter_field_with_its_help() -> None:
    spec = protocol("tokens")
    result = run("model", "--protocol", "tokens", "--help")
    assert result.exit_code == 0
    for parameter in spec.parameters:
        assert parameter.option in result.output, parameter.name
    assert "--no-owner-check" in result.output


def test_a_switch_option_gives_the_same_counterexample_as_its_mutant() -> None:
    by_switch = json.loads(run("model", "--quiet", "--json", "--no-owner-check").stdout)
    by_name = json.loads(run("model", "--quiet", "--json", "--mutant", "no-owner-check").stdout)
    assert by_switch["property"] == by_name["property"] == "NoDoubleSpend"
    assert by_switch["length"] == by_name["length"] == 10
    assert by_switch["actions"] == by_name["actions"]


def test_a_bad_switch_value_names_the_option_and_the_allowed_values() -> None:
    result = run("model", "--quiet", "--quorum-rule", "third")
    assert result.exit_code == 2
    assert "'--quorum-rule'" in result.output and "majority" in result.output


def test_check_list_names_every_protocol_configuration_and_mutant() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    for name, spec in protocols().items():
        assert [c["name"] for c in listed[name]["configurations"]] == [
            s.name for s in spec.standards
        ]
        assert [m["name"] for m in listed[name]["mutants"]] == [m.name for m in spec.mutants]


def _install(package: Path, site: Path) -> None:
    """Install a pure-Python package by hand, as pip would lay it out: the
    package folder and a dist-info with its entry points (no wheel needed,
    so this works offline in a bare venv)."""
    project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    for module in (package).iterdir():
        if (module / "__init__.py").exists():
            shutil.copytree(module, site / module.name)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = []
    for group, points in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{key} = {value}" for key, value in points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


def _check(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.getcwd()])}
    code = "import sys; from checker.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    _install(TINY, folder)
    return folder


def test_an_installed_plugin_appears_in_check_list(site: Path) -> None:
    listed = _check(site, "list")
    assert listed.returncode == 0, listed.stderr
    assert "tiny: a counter" in listed.stdout
    assert "T4 T3" in listed.stdout


def test_an_installed_plugin_is_checked_with_its_pinned_counts(site: Path) -> None:
    checked = _check(site, "model", "--protocol", "tiny", "--quiet", "--json")
    assert checked.returncode == 0, checked.stderr
    summary = json.loads(checked.stdout)
    assert summary["protocol"] == "tiny"
    assert (summary["stats"]["states"], summary["stats"]["transitions"]) == (5, 4)


def test_an_installed_plugins_options_come_from_its_record(site: Path) -> None:
    helped = _check(site, "model", "--protocol", "tiny", "--help")
    assert "--limit" in helped.stdout and "--step" in helped.stdout
    assert "--servers" not in helped.stdout
    bounded = _check(site, "model", "--protocol", "tiny", "--limit", "2000", "--quiet")
    assert bounded.returncode == 2
    assert "'--limit'" in bounded.stderr and "at most 1000" in bounded.stderr


def test_an_installed_plugins_mutant_is_caught_with_its_shortest_length(site: Path) -> None:
    checked = _check(
        site, "model", "--protocol", "tiny", "--config", "T3", "--mutant", "double-step",
        "--quiet", "--json",
    )  # fmt: skip
    assert checked.returncode == 1, checked.stderr
    summary = json.loads(checked.stdout)
    assert (summary["property"], summary["length"]) == ("StaysBelowCap", 2)
    table = _check(site, "mutants", "--protocol", "tiny", "--quiet")
    assert table.returncode == 0, table.stdout + table.stderr
    assert "caught" in table.stdout
