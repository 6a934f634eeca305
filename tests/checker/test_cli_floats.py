"""Every float option of every `check` command refuses nan and infinity
(issue 15, defect 7): commands added later must use `Finite`, not click's
FloatRange, which lets nan through."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.cli.types import Finite


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


FLOAT_OPTIONS = [
    pytest.param(path, option, id=f"{' '.join(path)} {option.opts[0]}")
    for path, command in _commands(main)
    for option in command.params
    if isinstance(option, click.Option)
    and isinstance(option.type, click.FloatRange | type(click.FLOAT))
]


def test_there_are_float_options_to_check() -> None:
    assert len(FLOAT_OPTIONS) >= 10


@pytest.mark.parametrize(("path", "option"), FLOAT_OPTIONS)
def test_a_float_option_refuses_nan(path: tuple[str, ...], option: click.Option) -> None:
    assert isinstance(option.type, Finite), f"{' '.join(path)} {option.opts[0]} lets nan through"
    with pytest.raises(click.BadParameter):
        option.type.convert("nan", option, None)
    with pytest.raises(click.BadParameter):
        option.type.convert("inf", option, None)


def test_the_cli_names_the_option_that_got_nan() -> None:
    result = CliRunner().invoke(main, ["history", "--timeout", "nan", "x.jsonl"])
    assert result.exit_code == 2
    assert "--timeout" in result.output
