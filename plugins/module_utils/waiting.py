# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a dockfleet module waits: ``wait_until`` on the monotonic clock.

Every wait names what it awaited, so a timeout reads "the engine to answer after systemctl
start docker: not within 120s" rather than a bare "timed out".
"""

from __future__ import annotations

import time


class WaitTimeout(Exception):
    """``condition`` never held within the timeout.

    ``what`` is what was awaited, ``waited`` the seconds spent, ``last`` the condition's
    last (falsy) value, for callers that report rather than fail.
    """

    def __init__(self, what, timeout, waited, last):
        super().__init__("Waited %ss for %s, in vain." % (_seconds(timeout), what))
        self.what = what
        self.timeout = timeout
        self.waited = waited
        self.last = last


def _seconds(value):
    return ("%.1f" % value).rstrip("0").rstrip(".")


def wait_until(condition, timeout, what, interval=1, clock=None, sleep=None):
    """Call ``condition()`` until it returns something truthy and return that.

    ``interval`` is the pause between two looks (seconds, or a callable giving the next
    pause); a pause never runs past the deadline, and the condition is looked at once more at
    the deadline. ``timeout`` 0 or less looks once. Raises ``WaitTimeout`` naming ``what``.
    Exceptions raised by ``condition`` are not caught: a condition that should retry on an
    error catches it itself. ``clock``/``sleep`` default to ``time.monotonic``/``time.sleep``
    (looked up at call time, so tests can replace them).
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    started = clock()
    deadline = started + max(timeout or 0, 0)
    while True:
        value = condition()
        if value:
            return value
        now = clock()
        if now >= deadline:
            raise WaitTimeout(what, timeout, now - started, value)
        pause = interval() if callable(interval) else interval
        sleep(max(min(pause, deadline - now), 0))


def waited_since(started, clock=None):
    """Seconds since ``started`` (a ``time.monotonic()`` value), rounded for a result."""
    return round((clock or time.monotonic)() - started, 1)
