"""The vaccine availability log, and the menu that builds its commands."""

from __future__ import annotations

import pytest

from impl.smr.machine import VaccineLog
from impl.smr.menu import BadCommand, parse, show


def test_add_accumulates_update_sets_and_query_reads() -> None:
    log = VaccineLog()
    log.apply({"op": "add", "site": "north", "vaccine": "mmr", "doses": 5})
    assert log.apply({"op": "add", "site": "north", "vaccine": "mmr", "doses": 2}) == {
        "ok": True,
        "doses": 7,
    }
    log.apply({"op": "update", "site": "south", "vaccine": "polio", "doses": 1})
    assert log.apply({"op": "query", "site": "north"}) == {
        "ok": True,
        "sites": {"north": {"mmr": 7}},
    }
    assert log.apply({"op": "query"})["sites"] == {"north": {"mmr": 7}, "south": {"polio": 1}}
    assert log.apply({"op": "query", "site": "east"})["sites"] == {"east": {}}


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ({"op": "drop"}, "unknown op"),
        ({"op": "add", "site": "", "vaccine": "x", "doses": 1}, "'site' must be"),
        ({"op": "add", "site": "n", "vaccine": "x", "doses": -1}, "'doses' must be"),
        ({"op": "add", "site": "n", "vaccine": "x", "doses": True}, "'doses' must be"),
        ({"op": "query", "site": 3}, "'site' must be"),
    ],
)
def test_the_machine_refuses_bad_commands_before_they_are_sent(
    command: dict[str, object], reason: str
) -> None:
    refused = VaccineLog().check(command)
    assert refused is not None and reason in refused


def test_the_menu_parses_lines_into_commands() -> None:
    assert parse("add north mmr 5") == {"op": "add", "site": "north", "vaccine": "mmr", "doses": 5}
    assert parse("query") == {"op": "query"}
    assert parse("QUERY north") == {"op": "query", "site": "north"}
    assert parse("quit") is None
    for bad, reason in [
        ("add north mmr", "takes SITE VACCINE DOSES"),
        ("update a b ５", "whole number"),
        ("query a b", "at most a SITE"),
        ("sell a", "unknown command"),
        ("  ", "empty line"),
    ]:
        with pytest.raises(BadCommand, match=reason):
            parse(bad)


def test_results_print_as_one_line() -> None:
    add = {"op": "add", "site": "north", "vaccine": "mmr", "doses": 5}
    assert show(add, {"ok": True, "doses": 7}) == "north mmr: 7 doses"
    query = {"op": "query"}
    assert show(query, {"sites": {"n": {"b": 1, "a": 2}}}) == "n: a 2, b 1"
    assert show(query, {"sites": {}}) == "all sites: no doses recorded"
