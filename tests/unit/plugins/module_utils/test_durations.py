# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations with units, and the refusal of bare numbers (seconds or nanoseconds?)."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.durations import (
    DurationError,
    format_duration,
    parse_duration,
)

S = 10**9


@pytest.mark.parametrize(
    "value, nanoseconds",
    [
        ("90d", 90 * 86400 * S),
        ("2160h", 2160 * 3600 * S),
        ("1h30m", 5400 * S),
        ("5s", 5 * S),
        ("500ms", 500 * 10**6),
        ("250us", 250 * 10**3),
        ("7ns", 7),
        (" 1H 30M ", 5400 * S),
        ("0s", 0),
        (None, None),
    ],
)
def test_parse_duration_reads_units(value, nanoseconds):
    assert parse_duration(value, "node_cert_expiry") == nanoseconds


@pytest.mark.parametrize("value", [7776000000000000, 3600, "3600", " 90 ", 1.5, "1.5"])
def test_a_bare_number_is_refused_naming_the_option_and_asking_for_a_unit(value):
    with pytest.raises(DurationError) as error:
        parse_duration(value, "node_cert_expiry")
    message = str(error.value)
    assert message.startswith("node_cert_expiry: ")
    assert "no unit" in message and "nanoseconds" in message and "90d" in message


@pytest.mark.parametrize("value", ["", "90x", "h", "1.5h", "90d!", "-5s", "5 s s"])
def test_unreadable_text_is_refused(value):
    with pytest.raises(DurationError, match="dispatcher_heartbeat_period: cannot read"):
        parse_duration(value, "dispatcher_heartbeat_period")


@pytest.mark.parametrize("value", [True, False, [5], {"s": 5}])
def test_other_types_are_refused(value):
    with pytest.raises(DurationError, match="node_cert_expiry: expected a duration with a unit"):
        parse_duration(value, "node_cert_expiry")


def test_format_duration_is_exact_and_reads_back():
    for nanoseconds in (2160 * 3600 * S, 5 * S, 1500 * 10**6, 7, 90 * 60 * S):
        assert parse_duration(format_duration(nanoseconds), "x") == nanoseconds
    assert format_duration(2160 * 3600 * S) == "2160h"
    assert format_duration(5 * S) == "5s"
    assert format_duration(1500 * 10**6) == "1500ms"
    assert format_duration(None) is None
