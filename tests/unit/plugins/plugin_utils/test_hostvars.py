# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils.hostvars: what the filters read of hosts' facts, and the default for what is not there."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact, value_of

HOSTVARS = {
    "m1": {"_read": {"target": {"version_after": {"server": "26.1.5"}}, "note": None}, "_plain": "yes"},
    "w1": None,
}


def test_value_of_gives_the_default_for_missing_null_and_non_mappings():
    assert value_of({"a": 1}, "a") == 1
    assert value_of({"a": None}, "a", "d") == "d"
    assert value_of({}, "a", "d") == "d"
    assert value_of("text", "a", "d") == "d"
    assert value_of(None, "a", "d") == "d"


@pytest.mark.parametrize(
    "host, name, expected",
    [
        ("m1", "_plain", "yes"),
        ("m1", "_read.target.version_after.server", "26.1.5"),
        ("m1", "_read.note", "default"),  # null is missing
        ("m1", "_read.target.nothing.server", "default"),
        ("m1", "_plain.deeper", "default"),  # a string has no keys
        ("w1", "_plain", "default"),
        ("gone", "_read.target", "default"),
    ],
)
def test_host_fact_follows_a_dotted_path_into_a_registered_result(host, name, expected):
    assert host_fact(HOSTVARS, host, name, "default") == expected
