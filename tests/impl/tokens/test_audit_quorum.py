"""The conservation audit asks that every read quorum meets each token's
latest version (n - q(n) + 1 holders): what PROTOCOL.md promises after a pay
races a leave, no more and no less."""

from __future__ import annotations

from dataclasses import dataclass

from impl.tokens.audit import conservation


@dataclass(frozen=True)
class _Params:
    tokens: int


class _Stores:
    def __init__(self, stores: dict[str, dict[int, tuple[int, str]]]) -> None:
        self.params = _Params(1)
        self._stores = stores

    def servers(self) -> tuple[str, ...]:
        return tuple(self._stores)

    def stores(self) -> dict[str, dict[int, tuple[int, str]] | None]:
        return dict(self._stores)


def _cluster(latest_on: int, servers: int) -> _Stores:
    names = [f"s{i}" for i in range(1, servers + 1)]
    return _Stores({s: {0: (2, "c2") if i < latest_on else (1, "c1")} for i, s in enumerate(names)})


def test_two_of_four_holders_meet_every_read_quorum_of_three() -> None:
    assert conservation(_cluster(latest_on=2, servers=4)) == []  # type: ignore[arg-type]


def test_one_of_four_holders_is_missed_by_some_read_quorum() -> None:
    problems = conservation(_cluster(latest_on=1, servers=4))  # type: ignore[arg-type]
    assert problems == [
        "token 0: latest version 2 on 1 servers (s1): a read quorum of 3 of 4 servers "
        "could miss it (it needs 2)"
    ]


def test_one_of_three_holders_is_missed_by_some_read_quorum_of_two() -> None:
    assert conservation(_cluster(latest_on=2, servers=3)) == []  # type: ignore[arg-type]
    assert len(conservation(_cluster(latest_on=1, servers=3))) == 1  # type: ignore[arg-type]
