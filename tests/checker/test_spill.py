"""Parent links spilled to disk by level (`checker.spill`): the array reads
back what was appended, the engine gives the same counts, verdicts and
counterexamples with `spill="always"` as without, and the temporary file is
gone after a run, a violation and an exception."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.explore import explore
from checker.parallel import explore_parallel
from checker.result import CheckResult, Verdict
from checker.spill import ParentLinks, SpillArray, SpillRule
from tests.checker.tiny_models import Counter, Grid, ResetCounter, Spinner, stuck_model


@pytest.fixture
def spill_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The system temp dir, for this test: an empty directory of its own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield tmp_path


class Watched:
    """`model`, noting the spill files in `directory` whenever a state of
    depth `at` (a Counter or Grid coordinate sum) is expanded; raising `fail`
    there when it is set."""

    def __init__(
        self, model: Any, directory: Path, at: int, fail: type[BaseException] | None = None
    ) -> None:
        self.model, self.directory, self.at, self.fail = model, directory, at, fail
        self.seen: list[str] = []
        self.name = model.name
        self.invariants = model.invariants
        self.step_properties = model.step_properties
        self.sometimes = model.sometimes

    def initial_states(self) -> Any:
        return self.model.initial_states()

    def actions(self, s: Any) -> Any:
        if (sum(s) if isinstance(s, tuple) else s) == self.at:
            self.seen = sorted(os.listdir(self.directory))
            if self.fail is not None:
                raise self.fail("the model broke")
        return self.model.actions(s)

    def next_state(self, s: Any, a: Any) -> Any:
        return self.model.next_state(s, a)

    def is_fair(self, s: Any, a: Any) -> bool:
        return bool(self.model.is_fair(s, a))

    def is_quiescent(self, s: Any) -> bool:
        return bool(self.model.is_quiescent(s))

    def describe_action(self, a: Any) -> str:
        return str(self.model.describe_action(a))

    def describe_state(self, s: Any) -> Any:
        return self.model.describe_state(s)


def same(a: CheckResult, b: CheckResult) -> None:
    assert (a.verdict, a.stats.states, a.stats.transitions, a.stats.depth) == (
        b.verdict,
        b.stats.states,
        b.stats.transitions,
        b.stats.depth,
    )
    assert a.counterexample == b.counterexample


# The array


def test_the_array_reads_back_every_entry_across_spills(spill_dir: Path) -> None:
    values = [(i * 7919) % 100_003 - 50_000 for i in range(1000)]
    with SpillArray() as links:
        for i, v in enumerate(values):
            links.append(v)
            if i in (0, 9, 10, 500, 998):  # levels of uneven sizes
                links.spill()
        assert (len(links), links.on_disk, links.in_memory) == (1000, 999, 1)
        assert links.path is not None and Path(links.path).parent == spill_dir
        assert Path(links.path).stat().st_size == 4 * 999
        assert [links[i] for i in range(1000)] == values
        assert links[-1] == values[-1] and links[-1000] == values[0]
        assert links[995:] == values[995:]
        with pytest.raises(IndexError):
            links[1000]
        with pytest.raises(IndexError):
            links[-1001]
    assert os.listdir(spill_dir) == []


def test_nothing_is_written_until_something_is_spilled(spill_dir: Path) -> None:
    links = SpillArray()
    links.spill()  # empty: no file
    links.append(3)
    assert links.path is None and os.listdir(spill_dir) == []
    links.spill()
    links.spill()  # nothing new: the file keeps one entry
    assert links.on_disk == 1 and links[0] == 3
    links.close()
    links.close()
    assert os.listdir(spill_dir) == []


def test_an_interrupt_just_after_the_file_is_created_leaves_no_file(
    spill_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyboardInterrupt (a second Ctrl-C, or a first one outside the CLI)
    that lands once the file exists but before spill() returns: close(), in
    the engine's `finally`, still removes the file."""
    opened: list[int] = []
    real_open = os.open

    def open_then_interrupt(*args: Any, **kwargs: Any) -> int:
        opened.append(real_open(*args, **kwargs))
        raise KeyboardInterrupt  # as Python raises it at the next bytecode

    links = SpillArray()
    links.append(7)
    with monkeypatch.context() as patch:
        patch.setattr(os, "open", open_then_interrupt)
        with pytest.raises(KeyboardInterrupt):
            links.spill()
    for fd in opened:
        os.close(fd)
    assert len(opened) == 1 and len(os.listdir(spill_dir)) == 1  # the file was created
    links.close()
    assert os.listdir(spill_dir) == []


def test_a_name_already_taken_is_skipped_and_left_alone(
    spill_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = os.getpid()
    taken = spill_dir / f"tokencheck-spill-{me}-{'00' * 8}.i32"
    taken.write_bytes(b"someone else's")
    draws = iter([b"\0" * 8, b"\1" * 8])
    links = SpillArray()
    links.append(7)
    with monkeypatch.context() as patch:
        patch.setattr(os, "urandom", lambda n: next(draws))
        links.spill()
    assert links.path == str(spill_dir / f"tokencheck-spill-{me}-{'01' * 8}.i32")
    assert links[0] == 7
    links.close()
    assert os.listdir(spill_dir) == [taken.name] and taken.read_bytes() == b"someone else's"


def a_dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def test_a_spill_removes_the_files_of_runs_killed_outright(spill_dir: Path) -> None:
    """A run killed by SIGKILL or the out-of-memory killer leaves its files;
    the next spill removes those whose process is gone, and nothing else."""
    dead, alive = a_dead_pid(), os.getppid()
    stale = spill_dir / f"tokencheck-spill-{dead}-{'ab' * 8}.i32"
    kept = [
        f"tokencheck-spill-{alive}-{'cd' * 8}.i32",  # a live run's
        f"tokencheck-spill-{dead}-{'ab' * 4}.i32",  # not a name this engine makes
        f"tokencheck-spill-{'ef' * 8}.i32",  # the old names, without a pid
        "notes.txt",
    ]
    for name in [stale.name, *kept]:
        (spill_dir / name).write_bytes(b"x")
    links = SpillArray()
    links.append(7)
    links.spill()
    assert links.path is not None
    mine = Path(links.path).name
    assert sorted(os.listdir(spill_dir)) == sorted([*kept, mine])
    links.close()
    assert sorted(os.listdir(spill_dir)) == sorted(kept)


def test_the_rule_spills_auto_at_70_percent_of_max_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SpillRule("always").now() and not SpillRule("never").now()
    assert SpillRule("auto", max_memory=1).now()  # this process is past 0.7 bytes
    assert not SpillRule("auto", max_memory=10**15).now()
    monkeypatch.setattr("checker.spill.memory_is_low", lambda: True)
    assert SpillRule("auto").now()
    monkeypatch.setattr("checker.spill.memory_is_low", lambda: False)
    assert not SpillRule("auto").now()
    with pytest.raises(ValueError, match="sometimes"):
        SpillRule("sometimes")  # type: ignore[arg-type]


def test_links_spill_both_arrays_at_a_level_end(spill_dir: Path) -> None:
    links = ParentLinks("always")
    links.parent.append(-1)
    links.via.append(0)
    links.level_done()
    assert (links.parent.on_disk, links.via.on_disk) == (1, 1)
    assert len(os.listdir(spill_dir)) == 2
    links.close()
    assert os.listdir(spill_dir) == []


# The engine


def test_a_grid_counts_the_same_and_its_links_were_on_disk(spill_dir: Path) -> None:
    model = Watched(Grid(3), spill_dir, at=4)
    result = explore(model, spill="always")
    assert result.verdict is Verdict.VERIFIED
    assert (result.stats.states, result.stats.transitions, result.stats.depth) == (16, 24, 6)
    assert len(model.seen) == 2 and all(n.startswith("tokencheck-spill-") for n in model.seen)
    assert os.listdir(spill_dir) == []
    same(result, explore(Grid(3)))


def test_an_invariant_counterexample_is_rebuilt_from_the_spill(spill_dir: Path) -> None:
    # x + y = 5 first at (4, 1): IncX four times (the first states of each
    # level), then IncY; levels 0..4 are on disk when level 5 is reached.
    model = Watched(Grid(4, forbidden_sum=5), spill_dir, at=4)
    result = explore(model, spill="always")
    ce = result.counterexample
    assert result.verdict is Verdict.VIOLATED and ce is not None
    assert [s.action for s in ce.steps[1:]] == ["IncX"] * 4 + ["IncY"]
    assert ce.steps[-1].state == (4, 1)
    assert len(model.seen) == 2 and os.listdir(spill_dir) == []
    same(result, explore(Grid(4, forbidden_sum=5)))


def test_a_step_property_counterexample_is_the_same(spill_dir: Path) -> None:
    result = explore(ResetCounter(), spill="always")
    ce = result.counterexample
    assert ce is not None and [s.state for s in ce.steps] == [0, 1, 2, 0]
    assert [s.action for s in ce.steps[1:]] == ["inc", "inc", "reset"]
    same(result, explore(ResetCounter()))
    assert os.listdir(spill_dir) == []


def test_progress_reads_the_links_back_from_the_spill(spill_dir: Path) -> None:
    lasso = explore(Spinner(), spill="always")
    ce = lasso.counterexample
    assert ce is not None and ce.loop_start == 1
    assert [s.state for s in ce.steps] == [0, 1, 2, 1]
    same(lasso, explore(Spinner()))
    stuck = explore(stuck_model(), spill="always")
    assert stuck.counterexample is not None
    assert [s.state for s in stuck.counterexample.steps] == [0, 3]
    same(stuck, explore(stuck_model()))
    assert os.listdir(spill_dir) == []


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_the_file_is_removed_after_an_exception(
    spill_dir: Path, error: type[BaseException]
) -> None:
    model = Watched(Counter(limit=6), spill_dir, at=4, fail=error)
    with pytest.raises(error, match="the model broke"):
        explore(model, spill="always")
    assert len(model.seen) == 2  # the files existed when the model raised
    assert os.listdir(spill_dir) == []


def test_auto_spills_once_resident_memory_passes_70_percent_of_max_memory(
    spill_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 10**12  # far above the real peak, so the max_memory bound never stops the run
    for resident, spilled in ((int(0.69 * cap), []), (int(0.7 * cap), ["spill", "spill"])):
        monkeypatch.setattr("checker.spill.resident_memory_bytes", lambda r=resident: r)
        model = Watched(Grid(3), spill_dir, at=4)
        result = explore(model, spill="auto", max_memory=cap)
        assert result.stats.states == 16
        assert [n.split("-")[1] for n in model.seen] == spilled
        assert os.listdir(spill_dir) == []


def test_never_writes_no_file(spill_dir: Path) -> None:
    model = Watched(Grid(3), spill_dir, at=5)
    assert explore(model, spill="never").stats.states == 16
    assert model.seen == []


# The partitioned engine: the coordinator holds the links, and spills them


class Listing:
    """A should_stop that never stops, noting the spill files whenever the
    coordinator polls (between its rounds)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen: set[str] = set()

    def __call__(self) -> bool:
        self.seen.update(os.listdir(self.directory))
        return False


@pytest.mark.parametrize(
    ("model", "states", "length"),
    [
        (Grid(3), 16, None),
        (Grid(4, forbidden_sum=5), None, 5),
        (ResetCounter(), None, 3),
        (Spinner(), None, 3),
        (stuck_model(), None, 1),
    ],
    ids=["grid", "invariant", "step property", "fair cycle", "stuck"],
)
def test_two_workers_spilled_answer_as_one_process(
    spill_dir: Path, model: Any, states: int | None, length: int | None
) -> None:
    listing = Listing(spill_dir)
    result = explore_parallel(model, workers=2, spill="always", should_stop=listing)
    if states is not None:
        assert result.verdict is Verdict.VERIFIED and result.stats.states == states
    else:
        assert result.counterexample is not None and result.counterexample.length == length
    same(result, explore(model))
    assert len(listing.seen) == 2 and all(n.startswith("tokencheck-spill-") for n in listing.seen)
    assert os.listdir(spill_dir) == []


def test_two_workers_remove_the_files_when_a_worker_fails(spill_dir: Path) -> None:
    listing = Listing(spill_dir)
    model = Watched(Counter(limit=6), spill_dir, at=4, fail=RuntimeError)
    with pytest.raises(RuntimeError, match="the model broke"):
        explore_parallel(model, workers=2, spill="always", should_stop=listing)
    assert len(listing.seen) == 2  # the coordinator had spilled before the worker failed
    assert os.listdir(spill_dir) == []


def test_two_workers_never_spill_by_default(spill_dir: Path) -> None:
    listing = Listing(spill_dir)
    assert explore_parallel(Grid(3), workers=2, should_stop=listing).stats.states == 16
    assert listing.seen == set()


# The command


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("mutant", "prop", "length"),
    [("no-owner-check", "NoDoubleSpend", 10), ("wait-all", "Progress", 1)],
)
def test_a_token_mutant_gives_the_same_counterexample_spilled(
    spill_dir: Path, mutant: str, prop: str, length: int
) -> None:
    args = ("model", "--quiet", "--json", "--mutant", mutant, "--max-seconds", "60")
    spilled = run(*args, "--spill", "always")
    kept = run(*args, "--spill", "never", "--workers", "1")
    assert spilled.exit_code == kept.exit_code == 1
    a, b = json.loads(spilled.output), json.loads(kept.output)
    assert (a["property"], a["length"]) == (prop, length)
    assert a["actions"] == b["actions"] and len(a["actions"]) == length
    assert a["detail"] == b["detail"]
    assert a["stats"]["states"] == b["stats"]["states"]
    assert a["stats"]["transitions"] == b["stats"]["transitions"]
    assert os.listdir(spill_dir) == []


@pytest.mark.parametrize("mutant", ["no-owner-check", "wait-all"])
def test_a_token_mutant_on_two_workers_gives_the_one_process_counterexample_spilled(
    spill_dir: Path, mutant: str
) -> None:
    args = ("model", "--quiet", "--json", "--mutant", mutant, "--max-seconds", "60")
    spilled = run(*args, "--spill", "always", "--workers", "2")
    kept = run(*args, "--spill", "never", "--workers", "1")
    assert spilled.exit_code == kept.exit_code == 1
    a, b = json.loads(spilled.output), json.loads(kept.output)
    assert (a["property"], a["length"], a["detail"]) == (b["property"], b["length"], b["detail"])
    assert a["actions"] == b["actions"]
    assert a["stats"]["states"] == b["stats"]["states"]
    assert a["stats"]["transitions"] == b["stats"]["transitions"]
    assert os.listdir(spill_dir) == []


def is_the_spill_pair(names: list[str]) -> bool:
    return len(names) == 2 and all(n.startswith("tokencheck-spill-") for n in names)


def wait_for_the_spill_files(
    directory: Path, process: subprocess.Popen[str], seconds: float
) -> list[str]:
    """The names in `directory` once they are the run's two spill files (or
    when `process` ended, or after `seconds`). A directory that is merely not
    empty is not enough: the first `tempfile.gettempdir()` in the process
    writes a probe file there and removes it, and the two spill files are
    created one after the other."""
    deadline = time.monotonic() + seconds
    names = sorted(os.listdir(directory))
    while not is_the_spill_pair(names) and process.poll() is None:
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
        names = sorted(os.listdir(directory))
    return names


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_in_check_model_removes_the_files(tmp_path: Path, workers: str) -> None:
    """A real Ctrl-C, once the run has spilled: exit 3 and no file left."""
    args = ["model", "--config", "S3a", "--spill", "always", "--quiet", "--max-seconds", "60"]
    args += ["--workers", workers]
    process = subprocess.Popen(
        [shutil.which("check") or "check", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        names = wait_for_the_spill_files(tmp_path, process, seconds=30)
        assert is_the_spill_pair(names), f"the run never spilled: {names}"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 3, out
    assert "INCOMPLETE: stopped by Ctrl-C" in out
    assert os.listdir(tmp_path) == []
