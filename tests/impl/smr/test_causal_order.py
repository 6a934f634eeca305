"""CausalOrder's verdicts kept: the near-linear `causal_order` against the
old nested-scan pass (kept here as the reference) on seeded random replica
logs; the hand-made traces' exact violations are pinned in test_audit."""

from __future__ import annotations

import random
from typing import Any

from impl.smr.audit import Key, _name
from impl.smr.causal import causal_order

Log = list[tuple[int, str, int, Any, Any]]


def _reference(
    applied: dict[str, Log],
    answers: list[tuple[str, Key, str, Any]],
    before_reply: dict[tuple[str, Key], list[Key]],
    sent: set[Key],
) -> list[str]:
    """The CausalOrder pass as it was (cubic): for each answer, each later
    request of that client, each replica holding it, each request the
    answering replica had received from another client before replying."""
    position = {r: {(x[1], x[2]): i for i, x in enumerate(log)} for r, log in applied.items()}
    later: dict[str, list[int]] = {}
    for client, seq in sorted(sent):
        later.setdefault(client, []).append(seq)
    found = []
    for client, key, replica, _ in answers:
        causes = [x for x in before_reply.get((replica, key), []) if x[0] != client]
        for seq in later[client]:
            if seq <= key[1]:
                continue
            y = (client, seq)
            for r, where in sorted(position.items()):
                if y not in where:
                    continue
                for x in causes:
                    if where.get(x, len(where)) > where[y]:
                        found.append(
                            f"CausalOrder: {r} applied {_name(y)} before {_name(x)},"
                            f" which {replica} had received before answering {_name(key)}"
                        )
                        return found
    return found


Inputs = tuple[
    dict[str, Log],
    list[tuple[str, Key, str, Any]],
    dict[str, list[Key]],
    dict[tuple[str, Key], int],
    set[Key],
]


def _random_run(rng: random.Random) -> Inputs:
    """Replica event streams of receives and applies in random order (with
    repeats, gaps and requests nobody sent), answers from any replica."""
    clients = ["a", "b", "c"][: rng.randint(1, 3)]
    keys = [(c, s) for c in clients for s in range(1, rng.randint(2, 6))]
    sent = {k for k in keys if rng.random() < 0.9} | {(c, 1) for c in clients}
    applied: dict[str, Log] = {}
    received: dict[str, list[Key]] = {}
    before_reply: dict[tuple[str, Key], int] = {}
    for r in ["r1", "r2", "r3"][: rng.randint(1, 3)]:
        applied[r], received[r] = [], []
        for _ in range(rng.randint(0, 2 * len(keys))):
            key = rng.choice(keys)
            if rng.random() < 0.5:
                received[r].append(key)
            else:
                applied[r].append((0, key[0], key[1], None, None))
                before_reply[(r, key)] = len(received[r])
    answers = [
        (k[0], k, rng.choice(["r1", "r2", "r3", "r9"]), None)
        for k in rng.sample(sorted(sent), rng.randint(0, len(sent)))
    ]
    return applied, answers, received, before_reply, sent


def test_the_fast_pass_finds_what_the_nested_scans_found() -> None:
    for seed in range(3000):
        applied, answers, received, before_reply, sent = _random_run(random.Random(seed))
        lists = {k: received[k[0]][:n] for k, n in before_reply.items()}
        expected = _reference(applied, answers, lists, sent)
        got = causal_order(applied, answers, received, before_reply, sent)
        assert got == expected, f"seed {seed}"


def test_the_random_runs_exercise_both_verdicts() -> None:
    # the comparison above means little unless violations are common and not universal
    runs = [_random_run(random.Random(seed)) for seed in range(2000)]
    bad = sum(
        bool(_reference(a, ans, {k: rec[k[0]][:n] for k, n in br.items()}, s))
        for a, ans, rec, br, s in runs
    )
    assert 150 < bad < 1850, bad
