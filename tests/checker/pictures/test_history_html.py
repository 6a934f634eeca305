"""`check history --html`: one bar per operation, the failure highlighted,
no network access, and the size cap stated on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.linearizability import RegisterModel, TokensModel, check, parse_history
from checker.pictures import history as picture
from tests.checker.linearizability.test_check import OK, get, history, pay, r, w
from tests.checker.pictures.html_parse import Elements


def test_every_operation_is_one_bar_and_the_stuck_one_is_red(tmp_path: Path) -> None:
    lines = history(
        pay("c1", "c2", OK(2), 0, 1),
        get("c3", "c1", [[0, 1]], 2, 3),
        get("c2", "c2", [[0, 2]], 2, None),
        init={"tokens": 1, "clients": 3},
    )
    out = tmp_path / "h.html"
    result = CliRunner().invoke(main, ["history", write(tmp_path, lines), "--html", str(out)])
    assert result.exit_code == 1, result.output
    page = Elements(out.read_text())
    bars = page.with_class("g", "op")
    assert len(bars) == 3 == len(page.with_class("rect", "op-bar"))
    assert [b["data-op"] for b in page.with_class("g", "stuck")] == ["1"]
    # the unfinished gettokens may take effect after the pay: it is in the prefix
    assert [b["data-op"] for b in page.with_class("g", "prefix")] == ["0", "2"]
    assert page.external_references() == []
    assert "Not linearizable: token 0" in "".join(page.text)


def test_a_linearizable_history_numbers_each_operation_by_its_place() -> None:
    h = parse_history(
        history(w("p1", 1, 0, 10), r("p2", 1, 5, 15), r("p3", 0, 1, 4), init={"value": 0})
    )
    page = Elements(picture.history_html(h, check(h, RegisterModel())))
    assert len(page.with_class("g", "ok")) == 3
    labels = [t for t in page.text if t in ("1", "2", "3")]
    # bars in id (invocation) order: the write is 2nd, p3's read of 0 1st, p2's read 3rd
    assert labels == ["2", "1", "3"]


def test_the_cap_is_stated_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picture, "MAX_OPERATIONS", 5)
    ops = [
        pay("c2", "c1", {"answer": "NOT_OWNER", "version": 1, "owner": "c1"}, 10 * i, 10 * i + 1)
        for i in range(12)
    ]
    h = parse_history(history(*ops, init={"tokens": 1, "clients": 2}))
    result = check(h, TokensModel())
    assert result.verdict == "ok"
    page = Elements(picture.history_html(h, result))
    assert len(page.with_class("g", "op")) == 5
    assert "Showing 5 of 12 operations: pictures are capped at 5 bars" in "".join(page.text)


def write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)
