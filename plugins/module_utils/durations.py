# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations written with units (``90d``, ``5s``, ``1h30m``), turned into the nanoseconds
the engine stores, and back into a short form for reports.

A bare number is refused on purpose: community.docker.docker_swarm reads an integer as
nanoseconds, the docker CLI and most people as seconds. Guessing would silently make a
certificate validity a billion times too long or too short, so the user writes the unit.
"""

from __future__ import annotations

import re

UNITS = {
    "ns": 1,
    "us": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
    "d": 86400 * 10**9,
}
_PART = re.compile(r"(\d+)(ns|us|ms|s|m|h|d)")
_EXAMPLES = "for example 90d, 2160h, 1h30m, 5s or 500ms"


class DurationError(ValueError):
    """A value that is not a duration with units; the message names the option and the fix."""


def parse_duration(value, option):
    """Nanoseconds for ``value``, a string of numbers with units (``90d``, ``1h30m``, ``500ms``).

    ``None`` stays ``None`` (not set). Integers, floats, booleans and digit-only strings are
    refused with a message that names ``option`` and asks for a unit.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise DurationError(
            "%s: expected a duration with a unit (%s), got %r of type %s"
            % (option, _EXAMPLES, value, type(value).__name__)
        )
    text = str(value).strip().lower().replace(" ", "")
    if isinstance(value, (int, float)) or re.match(r"^[0-9.]+$", text):
        raise DurationError(
            "%s: %s has no unit. community.docker.docker_swarm reads a bare number as nanoseconds, the docker CLI "
            "as seconds; dockfleet refuses to guess. Write the unit, %s." % (option, value, _EXAMPLES)
        )
    parts = _PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise DurationError(
            "%s: cannot read %r as a duration. Write numbers with the units d, h, m, s, ms, us or ns, %s."
            % (option, value, _EXAMPLES)
        )
    return sum(int(number) * UNITS[unit] for number, unit in parts)


def format_duration(nanoseconds):
    """The shortest exact form of a duration in nanoseconds (``2160h``, ``5s``, ``1500ms``)."""
    if nanoseconds is None:
        return None
    for unit in ("h", "m", "s", "ms", "us"):
        size = UNITS[unit]
        if nanoseconds and nanoseconds % size == 0:
            return "%d%s" % (nanoseconds // size, unit)
    return "%dns" % nanoseconds
