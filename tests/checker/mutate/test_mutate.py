"""`check mutate` on a counter whose step module has 11 mutants known by
hand (tiny_steps): 7 killed, 2 surviving (one listed as equivalent), 2 not
reached; then the generator's operators on small sources, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.cli import main
from checker.mutate import (
    EquivalentsError,
    choose,
    list_mutants,
    load_equivalents,
    mutants_of_source,
    run_all,
    totals,
)
from checker.mutate.apply import applied
from checker.mutate.coverage import lines_run
from checker.protocol import MutationTargets, ProtocolSpec
from tests.checker.mutate import tiny_steps
from tests.checker.mutate.tiny import Counter, Params, protocol
from tests.safety_models import without_progress


def targets(p: ProtocolSpec) -> MutationTargets:
    """The protocol's mutation targets, which every protocol mutated here has."""
    assert p.mutation is not None, p.name
    return p.mutation


STEP = "tests.checker.mutate.tiny_steps:step:"
# id -> (status, killing property, counterexample length), worked out by hand.
EXPECTED = {
    STEP + "always True: if n >= limit -> True": ("killed", "ReachesLimit", None),
    STEP + "guard dropped: if n >= limit -> False": ("killed", "AtMostLimit", 4),
    STEP + "compare: n >= limit -> n > limit": ("killed", "AtMostLimit", 4),
    STEP + "compare: n >= limit -> n < limit": ("killed", "ReachesLimit", None),
    STEP + "swap: max(n + 1, 0) -> min(n + 1, 0)": ("killed", "ReachesLimit", None),
    STEP + "constant: 1 -> 2": ("killed", "AtMostLimit", 2),
    STEP + "constant: 1 -> 0": ("killed", "ReachesLimit", None),
    STEP + "constant: 0 -> 1": ("SURVIVED", None, None),
    STEP + "constant: 0 -> -1": ("SURVIVED", None, None),
}
UNREACHED = {
    "tests.checker.mutate.tiny_steps:reset:constant: 0 -> 1",
    "tests.checker.mutate.tiny_steps:reset:constant: 0 -> -1",
}
EQUIVALENT = STEP + "constant: 0 -> 1"


def test_the_tiny_step_module_has_its_eleven_mutants_in_file_order() -> None:
    mutants = list_mutants(targets(protocol()))
    assert [m.id for m in mutants] == [*EXPECTED, *sorted(UNREACHED, reverse=True)]
    assert [m.line for m in mutants] == [15] * 4 + [17] * 5 + [21] * 2
    assert mutants[5].diff == "return max(n + 1, 0)  =>  return max(n + 2, 0)"


def test_each_reached_mutant_is_killed_or_survives_as_worked_out_by_hand() -> None:
    p = protocol()
    mutants = [m for m in list_mutants(targets(p)) if m.id in EXPECTED]
    outcomes = list(run_all(p, Params(), mutants, 1, 10.0, {}))
    got = {o.mutant.id: (o.status, o.by, o.length) for o in outcomes}
    assert got == EXPECTED
    t = totals(outcomes)
    assert (t.mutants, t.killed, t.survived, t.exit_code) == (9, 7, 2, 1)


def test_an_equivalent_mutant_does_not_fail_the_run_and_a_killed_listing_is_flagged() -> None:
    p = protocol()
    mutants = [m for m in list_mutants(targets(p)) if m.id in EXPECTED]
    listed = {EQUIVALENT: "max with 0 of a count", STEP + "constant: 1 -> 2": "wrongly listed"}
    outcomes = {o.mutant.id: o for o in run_all(p, Params(), mutants, 1, 10.0, listed)}
    assert outcomes[EQUIVALENT].status == "equivalent"
    assert outcomes[EQUIVALENT].detail == "max with 0 of a count"
    assert outcomes[STEP + "constant: 1 -> 2"].status == "killed"
    assert "remove its entry" in (outcomes[STEP + "constant: 1 -> 2"].detail or "")
    t = totals(list(outcomes.values()))
    assert (t.killed, t.survived, t.equivalent, t.score) == (7, 1, 1, 7 / 8)


def test_forked_jobs_give_the_same_outcomes_as_one_process() -> None:
    p = protocol()
    mutants = list_mutants(targets(p))[:6]
    one = [(o.status, o.by, o.length) for o in run_all(p, Params(), mutants, 1, 10.0, {})]
    two = [(o.status, o.by, o.length) for o in run_all(p, Params(), mutants, 2, 10.0, {})]
    assert one == two


def test_a_mutant_runs_only_inside_its_block_and_the_original_code_comes_back() -> None:
    mutant = next(m for m in list_mutants(targets(protocol())) if m.change == "1 -> 2")
    step = tiny_steps.step
    with applied(mutant, (), ()):
        assert step(0, 3) == 2  # the same function object runs the mutant
    assert step(0, 3) == 1
    assert step(3, 3) is None


def test_a_crashing_mutant_counts_as_killed_and_says_why() -> None:
    source = "def f(t):\n    return t[0] + t[1]\n"
    found = mutants_of_source("m", "m.py", source)
    assert found == []  # record indexes are not mutated: they would only crash
    p = protocol()
    broken = next(m for m in list_mutants(targets(p)) if m.after == "min(n + 1, 0)")
    # A limit the model rejects at build time stands in for a crash.
    outcome = next(run_all(p, "not params", [broken], 1, 10.0, {}))
    assert outcome.status == "crashed" and outcome.killed
    assert outcome.detail is not None and outcome.detail.startswith("AttributeError")


def test_the_line_tracer_sees_step_but_never_reset() -> None:
    files = {tiny_steps.__file__}
    from checker.explore import explore

    result, hit = lines_run(files, lambda: explore(without_progress(Counter(Params()))))
    assert result.stats.states == 4
    lines = {line for _, line in hit}
    assert {15, 16, 17} <= lines and 21 not in lines


def test_a_seeded_sample_is_reproducible_and_keeps_file_order() -> None:
    mutants = list_mutants(targets(protocol()))
    first, again = choose(mutants, 4, seed=7), choose(mutants, 4, seed=7)
    assert first == again and len(first) == 4
    assert [mutants.index(m) for m in first] == sorted(mutants.index(m) for m in first)
    assert choose(mutants, None, 0) == mutants


# The operators on small sources.


def changes(source: str, **targets: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(m.operator, m.change) for m in mutants_of_source("m", "m.py", source, **targets)]


def test_a_send_is_removed_and_a_quorum_changed_by_one_when_the_protocol_names_them() -> None:
    source = "def f(s, q):\n    net = send(s.net, [1])\n    return quorum(q)\n"
    found = changes(source, sends=("send",), quorums=("quorum",))
    assert ("send removed", "send(s.net, [1]) -> s.net") in found
    assert ("quorum size", "quorum(q) -> quorum(q) + 1") in found
    assert ("quorum size", "quorum(q) -> quorum(q) - 1") in found
    assert not any(op == "send removed" for op, _ in changes(source))


def test_updates_are_skipped_but_first_bindings_are_not() -> None:
    source = (
        "def f(s, store):\n"
        "    x = 1\n"
        "    x = x + 1\n"
        "    store[0] = x\n"
        "    return s._replace(a=x, b=2)\n"
    )
    skipped = [c for op, c in changes(source) if op == "update skipped"]
    assert skipped == [
        "x = x + 1 -> pass",
        "store[0] = x -> pass",
        "s._replace(a=x, b=2) -> s._replace(b=2)",
        "s._replace(a=x, b=2) -> s._replace(a=x)",
    ]


def test_clauses_are_dropped_and_bools_flipped_but_annotations_and_defaults_are_left() -> None:
    source = "def f(a: int = 1, b: bool = True) -> bool:\n    return a > 0 and b is False\n"
    found = changes(source)
    assert ("clause dropped", "a > 0 and b is False -> b is False") in found
    assert ("clause dropped", "a > 0 and b is False -> a > 0") in found
    assert ("constant", "False -> True") in found
    assert ("constant", "1 -> 2") not in found  # the default is not the body


# Equivalents files.


def test_an_equivalents_file_needs_an_id_and_a_reason_for_each_entry(tmp_path: Path) -> None:
    good = tmp_path / "eq.toml"
    good.write_text('[[equivalent]]\nid = "a"\nreason = "same run"\n')
    assert load_equivalents(str(good)) == {"a": "same run"}
    scoped = tmp_path / "scoped.toml"
    scoped.write_text('[[equivalent]]\nid = "b"\nreason = "no role change"\nconfigs = ["S1"]\n')
    assert load_equivalents(str(scoped), "S1") == {"b": "no role change"}
    assert load_equivalents(str(scoped), "S3a") == {}
    assert load_equivalents(str(tmp_path / "absent.toml")) == {}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[equivalent]]\nid = "a"\n')
    with pytest.raises(EquivalentsError, match="entry 1 \\(a\\) gives no reason"):
        load_equivalents(str(bad))


# The command.


def run_cli(p: ProtocolSpec, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setattr("checker.cli.mutate.lookup", lambda _name: p)
    return CliRunner().invoke(main, ["mutate", "--protocol", "counter", *args])


def test_check_mutate_prints_the_table_and_exits_1_when_a_mutant_survives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eq = tmp_path / "eq.toml"
    eq.write_text(f'[[equivalent]]\nid = "{EQUIVALENT}"\nreason = "max with 0 of a count"\n')
    result = run_cli(protocol(eq), monkeypatch)
    assert result.exit_code == 1, result.output
    assert "tiny_steps.py:15" in result.output and "AtMostLimit" in result.output
    assert f"id: {STEP}constant: 0 -> -1" in result.output
    assert "tiny_steps.py reset: 2" in result.output
    assert result.output.splitlines()[-2] == (
        "L3: 11 mutants, 2 not reached, 9 run: killed 7 (crashed 0), survived 1,"
        " equivalent 1, timed out 0; mutation score 7/8 = 87.5%"
    )


def test_check_mutate_exits_0_once_every_survivor_is_listed_and_json_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eq = tmp_path / "eq.toml"
    entries = [EQUIVALENT, STEP + "constant: 0 -> -1"]
    eq.write_text("".join(f'[[equivalent]]\nid = "{e}"\nreason = "n >= 0"\n' for e in entries))
    result = run_cli(protocol(eq), monkeypatch, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["totals"]["killed"] == 7 and report["totals"]["equivalent"] == 2
    assert report["totals"]["not_reached"] == 2 and report["totals"]["score"] == 1.0
    statuses = {m["id"]: m["status"] for m in report["mutants"]}
    assert {statuses[i] for i in UNREACHED} == {"not reached"}


def test_check_mutate_refuses_a_configuration_that_expects_a_violation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run_cli(protocol(), monkeypatch, "--config", "BAD")
    assert result.exit_code == 2
    assert "BAD expects ReachesLimit to be violated" in result.output
    assert "Traceback" not in result.output


def test_check_mutate_names_a_bad_equivalents_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eq = tmp_path / "eq.toml"
    eq.write_text("[[equivalent]\n")
    result = run_cli(protocol(eq), monkeypatch)
    assert result.exit_code == 2 and "eq.toml" in result.output


def test_check_mutate_on_the_token_protocol_samples_two_mutants_with_unique_ids() -> None:
    from spec import protocol as builtin

    tokens = builtin("tokens")
    mutants = list_mutants(targets(tokens))
    assert len({m.id for m in mutants}) == len(mutants) > 100
    assert all(m.module.startswith("spec.tokens.") for m in mutants)


def test_check_mutate_match_picks_mutants_by_id_and_names_a_match_of_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run_cli(protocol(), monkeypatch, "--match", "step:constant: 1 ->")
    assert result.exit_code == 0, result.output
    assert "L3: 2 mutants, 0 not reached, 2 run: killed 2" in result.output
    result = run_cli(protocol(), monkeypatch, "--match", "no such change")
    assert result.exit_code == 2 and "no mutant id contains 'no such change'" in result.output


def test_every_listed_equivalent_token_mutant_exists_and_names_real_configurations() -> None:
    import tomllib

    from spec import protocol as builtin

    tokens = builtin("tokens")
    assert tokens.mutation is not None and tokens.mutation.equivalents is not None
    ids = {m.id for m in list_mutants(tokens.mutation)}
    entries = tomllib.loads(Path(tokens.mutation.equivalents).read_text())["equivalent"]
    assert [e["id"] for e in entries if e["id"] not in ids] == []
    names = {s.name for s in tokens.standards}
    assert {c for e in entries for c in e.get("configs", [])} <= names
    assert len(load_equivalents(tokens.mutation.equivalents, "S1")) < len(entries)
