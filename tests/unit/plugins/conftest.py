# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake monotonic clock for every test of code that waits (waiting.wait_until)."""

from __future__ import annotations

import time

import pytest


class FakeClock:
    """``time.monotonic`` and ``time.sleep`` that only move when slept: ``now`` seconds, ``sleeps`` made."""

    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch):
    """A FakeClock behind ``time.monotonic`` and ``time.sleep``, which wait_until looks up when it is called."""
    clock = FakeClock()
    monkeypatch.setattr(time, "monotonic", clock)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    return clock
