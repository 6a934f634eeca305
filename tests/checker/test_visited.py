"""The compact visited table: a dict's answers in flat arrays."""

from __future__ import annotations

import random

from checker.explore import explore
from checker.visited import FingerprintTable
from tests.checker.tiny_models import Grid


def test_the_table_answers_like_a_dict_across_growths() -> None:
    rng = random.Random(7)
    keys = list({rng.getrandbits(64) - 2**63 for _ in range(5000)})
    table = FingerprintTable(capacity=16)  # grows nine times on the way
    reference: dict[int, int] = {}
    for i, k in enumerate(keys):
        assert table.get(k) is None
        table[k] = i
        reference[k] = i
    assert len(table) == len(reference) == len(keys)
    assert all(table.get(k) == v for k, v in reference.items())
    assert table.slots == 8192 and table.nbytes == 8192 * 12  # 5000 / 8192 <= 0.7


def test_keys_sharing_their_low_bits_probe_past_each_other() -> None:
    table = FingerprintTable(capacity=16)
    same_slot = [k << 40 for k in range(1, 9)]  # equal low bits, differ above bit 32
    for i, k in enumerate(same_slot):
        table[k] = i
    assert [table.get(k) for k in same_slot] == list(range(8))
    assert table.get(9 << 40) is None


def test_fingerprint_zero_is_stored_although_zero_marks_empty_slots() -> None:
    table = FingerprintTable()
    assert 0 not in table
    table[0] = 5
    assert 0 in table and table.get(0) == 5 and len(table) == 1


def test_the_explorer_counts_the_same_with_the_table_and_exact_states() -> None:
    compact, exact = explore(Grid(30)), explore(Grid(30), exact=True)
    assert compact.stats.states == exact.stats.states == 31 * 31
    assert compact.stats.transitions == exact.stats.transitions == 2 * 30 * 31
