# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wait_until on a fake monotonic clock: what it returns, how often it looks, and what a
timeout says."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import waiting
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


def looks(answers, clock):
    answers = list(answers)

    def condition():
        clock.looked = getattr(clock, "looked", 0) + 1
        return answers.pop(0)

    return condition


def test_returns_the_first_truthy_value_without_sleeping_when_it_already_holds(fake_clock):
    clock = fake_clock
    assert wait_until(lambda: "ready", 10, "x", clock=clock, sleep=clock.sleep) == "ready"
    assert clock.sleeps == []


def test_looks_every_interval_until_the_condition_holds(fake_clock):
    clock = fake_clock
    result = wait_until(looks([None, False, {"ok": 1}], clock), 60, "x", interval=2, clock=clock, sleep=clock.sleep)
    assert result == {"ok": 1}
    assert clock.sleeps == [2, 2]


def test_a_timeout_names_what_was_awaited_and_keeps_the_last_value(fake_clock):
    clock = fake_clock
    with pytest.raises(WaitTimeout) as timeout:
        wait_until(lambda: [], 5, "the engine to answer", interval=2, clock=clock, sleep=clock.sleep)
    assert str(timeout.value) == "Waited 5s for the engine to answer, in vain."
    assert timeout.value.what == "the engine to answer"
    assert timeout.value.last == []
    assert timeout.value.waited == 5


def test_the_last_pause_stops_at_the_deadline_and_the_condition_is_looked_at_there(fake_clock):
    clock = fake_clock
    condition = looks([False, False, False, True], clock)
    assert wait_until(condition, 5, "x", interval=2, clock=clock, sleep=clock.sleep) is True
    assert clock.sleeps == [2, 2, 1]
    assert clock.looked == 4


def test_a_timeout_of_zero_looks_once(fake_clock):
    clock = fake_clock
    with pytest.raises(WaitTimeout):
        wait_until(lambda: False, 0, "x", clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


def test_the_interval_may_change_from_look_to_look(fake_clock):
    clock = fake_clock
    pauses = iter([1, 5])
    condition = looks([False, False, True], clock)
    wait_until(condition, 60, "x", interval=lambda: next(pauses), clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [1, 5]


def test_an_exception_from_the_condition_is_not_swallowed(fake_clock):
    def condition():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        wait_until(condition, 10, "x")


def test_the_default_clock_is_time_monotonic_looked_up_at_call_time(fake_clock):
    with pytest.raises(WaitTimeout) as timeout:
        wait_until(lambda: False, 3, "x")
    assert fake_clock.sleeps == [1, 1, 1]
    assert timeout.value.waited == 3
    assert waiting.waited_since(-5.0) == 8.0
