"""The partitioned search on Ray: one actor per shard.

    check model --config S3m --engine ray --workers 2            # a local Ray
    check model --config R2 --engine ray --workers 8 --address HOST:6379

The coordinator is `checker.parallel`'s, unchanged: each round of a level is
one method call per actor, its arguments and answers (fingerprint batches,
ids, the few states moved) carried by Ray's object store. Without an
address it starts a local Ray (127.0.0.1, no dashboard, as many CPUs as
workers, at least 2) and shuts it down after; with one it joins that
cluster, whose nodes must have tokencheck installed (`pip install -e .` on each). Fingerprints are
`checker.fingerprint.stable_fingerprint`: actors are separate interpreters.
Under symmetry the representative of a class is the renaming with the
smallest stable fingerprint (the model's `canonical_by`), not the smallest
`hash`, for the same reason.
The stop flag is looked at between rounds (a Ctrl-C or --max-seconds ends
the run at the end of the round under way).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from checker.errors import WorkerLost
from checker.fingerprint import stable_fingerprint
from checker.model import Model
from checker.parallel import Interrupted, Pool, explore_parallel
from checker.result import CheckResult
from checker.shard import Shard

_POLL = 0.2


def ray_missing() -> str | None:
    """Why Ray cannot run here, or None."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed; pip install -e '.[ray]'"
    return None


class _ShardActor:
    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        gc.disable()  # as in a forked worker (checker.parallel._serve): states have no cycles

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self.shard, method)(*args)


class RayPool(Pool):
    def __init__(self, shards: list[Shard], poll: Callable[[], None], address: str | None) -> None:
        import ray

        self.ray = ray
        self.started_ray = False
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            with _signal_handlers_kept():
                if address is None:
                    ray.init(
                        num_cpus=max(2, len(shards)),
                        include_dashboard=False,
                        _node_ip_address="127.0.0.1",
                        log_to_driver=False,
                        logging_level=logging.ERROR,
                    )
                else:
                    ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
            self.started_ray = True
        actor: Any = ray.remote(num_cpus=1)(_ShardActor)
        self.actors: list[Any] = [actor.remote(shard) for shard in shards]
        self.poll = poll

    def call(self, method: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        refs = [a.call.remote(method, *arg) for a, arg in zip(self.actors, args, strict=True)]
        interrupted = False
        while True:
            ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=_POLL)
            if len(ready) == len(refs):
                break
            try:
                self.poll()
            except Interrupted:
                interrupted = True  # actors cannot be stopped mid-call; end after it
        try:
            answers = self.ray.get(refs)
        except self.ray.exceptions.RayActorError as error:
            raise self._lost(refs, error) from None
        if interrupted:
            raise Interrupted
        return list(answers)

    def _lost(self, refs: list[Any], error: Exception) -> WorkerLost:
        # Which actor died: the first whose answer is that error.
        for k, ref in enumerate(refs):
            try:
                self.ray.get(ref)
            except self.ray.exceptions.RayActorError:
                return WorkerLost(k, None, "its Ray actor died")
        return WorkerLost(0, None, f"a Ray actor died ({type(error).__name__})")

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)
        if self.started_ray:
            self.ray.shutdown()


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """Put back this process's SIGTERM and SIGHUP handlers after the block:
    ray.init installs its own crash handler on SIGTERM (a stack dump, exit
    1, a violation to scripts) over the one that stops through cleanup
    (`checker.cli.terminate`)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers are the main thread's to set
        return
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in kept.items():
            if callable(handler):
                signal.signal(signum, handler)


def explore_on_ray(
    model: Model[Any, Any], *, workers: int, address: str | None = None, **bounds: Any
) -> CheckResult:
    """`explore_parallel` with Ray actors as the workers (at least 2: one
    shard would be the one-process engine with extra steps). With
    `symmetry=True` the model must offer `canonical_by(key)`: the classes
    are told apart by `stable_fingerprint`, in every actor alike."""

    def pool(shards: list[Shard], poll: Callable[[], None]) -> Pool:
        return RayPool(shards, poll, address)

    return explore_parallel(
        model,
        workers=max(2, workers),
        pool_factory=pool,
        fingerprint=stable_fingerprint,
        **bounds,
    )
