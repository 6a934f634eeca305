"""Random concurrent workloads on a threaded system, and their end-of-run report.

    report = run_workload(Params(servers=5, drop=0.3, max_delay=0.002, seed=1),
                          Workload(requests=200, max_interval=0.002, role_changes=2))
    print("\\n".join(report.lines)); exit(report.exit_code)

Requests come from random current clients at random intervals (uniform in
0..max_interval): 70% pays (mostly of a token the workload believes the
client owns, so that many succeed), 30% gettokens. Role changes are spread
evenly over the requests and run concurrently with them, one at a time.
At the end: store summaries, conservation, no version paid twice, and the
fault-free re-run compared answer by answer (impl/audit.py). Exit code 1 on
any failure or unanswered request.
"""

from __future__ import annotations

import math
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from impl.tokens.audit import (
    Completed,
    compare,
    conservation,
    rerun,
    store_summary,
    versions_unique,
)
from impl.tokens.cluster import Cluster
from impl.tokens.config import Params, initial_owner
from impl.tokens.errors import BadCommand, ImplError, Refused
from impl.tokens.operations import GetTokens, Handle, NotOwner, Ok, Pay, Tokens
from impl.tokens.recorder import Recorder

MAX_INTERVAL = 60.0
"""The longest pause between two requests, in seconds (time.sleep overflows on 1e308)."""


@dataclass(frozen=True, slots=True)
class Workload:
    requests: int = 200
    max_interval: float = 0.005
    role_changes: int = 0
    pay_share: float = 0.7

    def __post_init__(self) -> None:
        if self.requests < 0:
            raise BadCommand(f"requests: expected a count >= 0, got {self.requests}")
        if not 0 <= self.max_interval <= MAX_INTERVAL:  # also refuses nan
            raise BadCommand(
                f"max-interval: expected seconds in 0..{MAX_INTERVAL:g}, got {self.max_interval}"
            )
        if self.role_changes < 0:
            raise BadCommand(f"role-changes: expected a count >= 0, got {self.role_changes}")


@dataclass
class RunReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Differences from the fault-free re-run that overlap does not explain: a
    # heuristic report; `check run` takes its verdict from a linearizability check.
    rerun_failures: list[str] = field(default_factory=list)
    completed: list[Completed] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    interrupted: bool = False  # stopped early (Ctrl-C): the figures so far
    figures: dict[str, object] = field(default_factory=dict)  # for --json

    def to_json(self) -> dict[str, object]:
        """The report as data: the figures, failures, unanswered requests, verdict."""
        verdict = {0: "ok", 3: "incomplete"}.get(self.exit_code, "failed")
        return {
            **self.figures,
            "failures": list(self.failures),
            "unanswered": list(self.unanswered),
            "interrupted": self.interrupted,
            "verdict": verdict,
            "exit_code": self.exit_code,
        }

    @property
    def exit_code(self) -> int:
        """1 a failure, 3 interrupted (requests left unanswered are expected
        then), 1 an unanswered request, else 0."""
        if self.failures:
            return 1
        if self.interrupted:
            return 3
        return 1 if self.unanswered else 0


class _Driver:
    """Submits the requests and the role changes; keeps every handle."""

    def __init__(
        self,
        cluster: Cluster,
        workload: Workload,
        seed: int,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.should_stop = should_stop or (lambda: False)
        self.cluster = cluster
        self.workload = workload
        self.rng = random.Random(f"workload:{seed}")
        self.handles: list[Handle] = []
        self.changes: list[Handle] = []
        self.change_notes: list[str] = []
        self.belief = {
            t: initial_owner(t, cluster.params.clients) for t in range(cluster.params.tokens)
        }
        self._learned = 0
        self.done_submitting = threading.Event()
        self.error: BaseException | None = None  # what stopped the submitting thread

    def submit_all_reporting(self) -> None:
        """submit_all on a thread: an exception fails the run instead of
        printing a traceback from the thread and letting the run pass."""
        try:
            self.submit_all()
        except Exception as error:
            self.error = error

    def learn(self) -> None:
        """Update who the workload believes owns each token from answered operations."""
        while self._learned < len(self.handles) and self.handles[self._learned].done:
            h = self.handles[self._learned]
            self._learned += 1
            if isinstance(h.call, Pay) and isinstance(h.answer, Ok):
                self.belief[h.call.token] = h.call.to
            elif isinstance(h.call, Pay) and isinstance(h.answer, NotOwner):
                self.belief[h.call.token] = h.answer.owner
            elif isinstance(h.call, GetTokens) and isinstance(h.answer, Tokens):
                for t, _ in h.answer.tokens:
                    self.belief[t] = h.call.owner

    def submit_one(self) -> None:
        for _ in range(20):  # a chosen client may turn server meanwhile: choose again
            clients = self.cluster.clients()
            client = self.rng.choice(clients)
            others = [c for c in clients if c != client]
            try:
                if others and self.rng.random() < self.workload.pay_share:
                    mine = [t for t, o in sorted(self.belief.items()) if o == client]
                    if mine and self.rng.random() < 0.8:
                        token = self.rng.choice(mine)
                    else:
                        token = self.rng.randrange(self.cluster.params.tokens)
                    handle = self.cluster.pay(client, token, self.rng.choice(others))
                else:
                    handle = self.cluster.gettokens(client, self.rng.choice(clients))
            except Refused:
                continue
            self.handles.append(handle)
            return
        raise ImplError("could not find a client to submit to after 20 tries")

    def submit_all(self) -> None:
        w = self.workload
        change_at = {(j + 1) * w.requests // (w.role_changes + 1) for j in range(w.role_changes)}
        pending_changes = w.role_changes
        try:
            for i in range(w.requests):
                if self.should_stop():
                    return
                if w.max_interval > 0:
                    time.sleep(self.rng.uniform(0, w.max_interval))
                self.learn()
                self.submit_one()
                if i in change_at or (i == w.requests - 1 and pending_changes > 0):
                    while pending_changes > 0 and (i in change_at or i == w.requests - 1):
                        self.role_change()
                        pending_changes -= 1
                        if i != w.requests - 1:
                            break
            if w.requests == 0:
                for _ in range(w.role_changes):
                    self.role_change()
        finally:
            self.done_submitting.set()

    def role_change(self) -> None:
        """Wait for the previous change, then start one on a random eligible node."""
        if self.changes:
            try:
                self.cluster.run(self.changes[-1], timeout=self.cluster.params.timeout)
            except ImplError as error:
                self.change_notes.append(f"previous change did not install: {error}")
                return
        for _ in range(50):
            candidates = list(self.cluster.servers()) + list(self.cluster.clients())
            eligible = []
            for x in candidates:
                try:
                    self.cluster.manager.check(x)
                    eligible.append(x)
                except Refused:
                    pass
            self.rng.shuffle(eligible)
            for x in eligible:
                try:
                    self.changes.append(self.cluster.transform(x))
                    return
                except Refused:
                    continue  # a client that just got a request: try another node
            time.sleep(0.001)
        self.change_notes.append("a role change found no eligible node (every client busy)")


def run_workload(
    params: Params,
    workload: Workload,
    recorder: Recorder | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunReport:
    """Run the workload on a fresh threaded system and audit the outcome.
    Once `should_stop()` is true, submit no more and audit what completed."""
    report = RunReport()
    started = time.perf_counter()
    cluster = Cluster(params, mode="threaded", recorder=recorder)
    try:
        driver = _Driver(cluster, workload, params.seed, should_stop)
        submitter = threading.Thread(
            target=driver.submit_all_reporting, name="workload", daemon=True
        )
        submitter.start()
        _wait_all(driver, workload, params, on_progress)
        submitter.join(params.timeout)
        report.interrupted = driver.should_stop()
        for h in driver.handles + driver.changes:
            if not h.done:  # the submitter waited params.timeout for it
                report.unanswered.append(str(h.timeout_error(params.timeout)))
        cluster.quiesce(min(params.timeout, 5.0))
        elapsed = time.perf_counter() - started
        done = [h for h in driver.handles + driver.changes if h.done]
        done.sort(key=lambda h: h.answered_seq)
        report.completed = [_completed(h) for h in done]
        report.latencies = [h.answered_at - h.created_at for h in driver.handles if h.done]
        _audit(report, cluster, driver, params, workload, elapsed)
    finally:
        cluster.stop()
    return report


def _wait_all(
    driver: _Driver,
    workload: Workload,
    params: Params,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    total = workload.requests
    deadline: float | None = None
    while True:
        finished = driver.done_submitting.is_set()
        answered = sum(1 for h in list(driver.handles) if h.done)
        if on_progress is not None:
            on_progress(answered, total)
        changes_done = all(h.done for h in list(driver.changes))
        if finished and answered == len(driver.handles) and changes_done:
            return
        if driver.should_stop():  # interrupted: a short grace for what is in flight
            deadline = min(deadline or math.inf, time.monotonic() + min(params.timeout, 1.0))
        if finished and deadline is None:
            deadline = time.monotonic() + params.timeout
        if deadline is not None and time.monotonic() > deadline:
            return
        time.sleep(0.02)


def _completed(h: Handle) -> Completed:
    assert h.answer is not None
    call = h.call
    if h.node == "manager":
        call = str(call)[len("transform(") : -1]
    return Completed(h.node, call, h.answer, h.invoked_seq, h.answered_seq)  # type: ignore[arg-type]


def _audit(
    report: RunReport,
    cluster: Cluster,
    driver: _Driver,
    params: Params,
    workload: Workload,
    elapsed: float,
) -> None:
    out = report.lines
    ops = [c for c in report.completed if not isinstance(c.call, str)]
    pays = [c for c in ops if isinstance(c.call, Pay)]
    oks = sum(1 for c in pays if isinstance(c.answer, Ok))
    config = cluster.configuration()
    out.append(
        f"run: {len(driver.handles)} requests ({len(pays)} pays answered: {oks} OK, "
        f"{len(pays) - oks} NOT_OWNER; {len(ops) - len(pays)} gettokens), "
        f"{sum(1 for h in driver.changes if h.done)} of {workload.role_changes} role changes, "
        f"{elapsed:.2f}s"
    )
    out.append(
        f"system: {params.servers} -> {len(config.servers)} servers (epoch {config.epoch}: "
        f"{', '.join(config.servers)}), faulty {', '.join(sorted(cluster.env.faulty)) or 'none'}, "
        f"drop {params.drop:g}, delay 0..{params.max_delay * 1000:g} ms, seed {params.seed}"
    )
    if report.latencies:
        lat = sorted(report.latencies)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        out.append(
            f"latency: median {statistics.median(lat) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        )
    for note in driver.change_notes:
        out.append(f"note: {note}")
    if driver.error is not None:
        problem = (
            f"the workload stopped after {len(driver.handles)} of {workload.requests} requests: "
            f"{type(driver.error).__name__}: {driver.error}"
        )
        report.failures.append(problem)
        out.append(f"error: {problem}")
    report.figures.update(
        requests=len(driver.handles),
        pays=len(pays),
        ok=oks,
        not_owner=len(pays) - oks,
        gettokens=len(ops) - len(pays),
        role_changes=sum(1 for h in driver.changes if h.done),
        seconds=round(elapsed, 3),
        servers=list(config.servers),
        epoch=config.epoch,
        faulty=sorted(cluster.env.faulty),
    )
    if report.latencies:
        report.figures["latency_ms"] = {"median": round(statistics.median(lat) * 1000, 3),
                                        "p99": round(p99 * 1000, 3)}  # fmt: skip
    out.append("stores:")
    out.extend(f"  {line}" for line in store_summary(cluster))
    problems = conservation(cluster) + versions_unique(report.completed)
    if problems:
        report.failures.extend(problems)
        out.append(f"conservation: VIOLATED ({len(problems)} problems)")
        out.extend(f"  {p}" for p in problems[:10])
    else:
        out.append(
            f"conservation: holds ({params.tokens} tokens, one owner each, latest version "
            f"on a majority of the {len(config.servers)} servers, no version paid twice)"
        )
    again = rerun(params, report.completed)
    comparison = compare(report.completed, again.answers)
    same = len(report.completed) - len(comparison.differences)
    report.figures["rerun"] = {
        "completed": len(report.completed),
        "same": same,
        "overlap": comparison.count("overlap"),
        "follows_overlap": comparison.count("follows-overlap"),
        "failures": len(comparison.failures),
    }
    report.figures["conservation"] = "violated" if problems else "holds"
    out.append(
        f"fault-free re-run of {len(report.completed)} completed operations and changes, "
        f"in completion order: {same} same answers, {comparison.count('overlap')} explained "
        f"by overlap, {comparison.count('follows-overlap')} follow an overlap, "
        f"{len(comparison.failures)} unexplained"
    )
    for d in comparison.differences[:10]:
        out.append(
            f"  #{d.index + 1} {d.op.describe()}: {d.op.answer} vs {d.rerun} fault-free "
            f"[{d.verdict}] {d.why}"
        )
    for d in comparison.failures:
        report.rerun_failures.append(f"re-run differs at #{d.index + 1} {d.op.describe()}: {d.why}")
    for u in report.unanswered[:10]:
        out.append(f"unanswered: {u}")
    if report.interrupted:
        out.append(
            f"interrupted by Ctrl-C after {len(driver.handles)} of {workload.requests} requests; "
            f"{len(report.unanswered)} left unanswered"
        )
