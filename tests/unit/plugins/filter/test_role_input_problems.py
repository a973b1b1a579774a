# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter the roles assert on: argument handling and the swarm hosts read through hostvars."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dockfleet.docker.plugins.filter.role_input_problems import FilterModule


def role_input_problems(*args, **kwargs):
    return FilterModule().filters()["role_input_problems"](*args, **kwargs)


def test_an_unknown_role_is_refused():
    with pytest.raises(AnsibleFilterError, match="role must be one of"):
        role_input_problems({}, "engine")


def test_the_input_must_be_a_mapping():
    with pytest.raises(AnsibleFilterError, match="mapping"):
        role_input_problems(["timesync_servers"], "timesync")


def test_swarm_hosts_are_read_from_hostvars_and_missing_ones_skipped():
    hostvars = {"m1": {"swarm_labels": {"zone": "a"}}, "w1": {"swarm_availability": "sleep"}}
    found = role_input_problems({}, "swarm", hosts=["m1", "w1", "gone"], hostvars=hostvars)
    assert found == ["swarm_availability 'sleep' of w1 is not one of active, pause, drain."]


def test_nothing_to_refuse_is_an_empty_list():
    assert role_input_problems({"timesync_servers": [{"host": "ntp.example.net"}]}, "timesync") == []
