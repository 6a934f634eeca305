"""Stopping a run on request: the engine's should_stop, and the CLI's Ctrl-C."""

from __future__ import annotations

import os
import signal

import pytest

from checker.cli.interrupt import first_interrupt_stops
from checker.explore import explore
from checker.result import Verdict
from tests.checker.tiny_models import Grid


def test_a_run_asked_to_stop_is_incomplete_with_the_bound_interrupted() -> None:
    # Grid(40) has 41 * 41 = 1681 states, more than one clock check apart.
    result = explore(Grid(40), should_stop=lambda: True)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.bound == "interrupted"
    assert 0 < result.stats.states < 41 * 41


def test_a_run_never_asked_to_stop_completes() -> None:
    result = explore(Grid(40), should_stop=lambda: False)
    assert result.verdict is Verdict.VERIFIED
    assert result.stats.states == 41 * 41


def test_the_first_ctrl_c_sets_the_flag_and_the_second_interrupts() -> None:
    with first_interrupt_stops() as stopped:
        assert not stopped()
        os.kill(os.getpid(), signal.SIGINT)
        assert stopped()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)


def test_the_previous_interrupt_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGINT)
    with first_interrupt_stops():
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before
