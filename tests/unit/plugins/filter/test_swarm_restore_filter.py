# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_restore filters: the hosts left out, the labels set again and the nodes kept after a restore."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dockfleet.docker.plugins.filter.swarm_restore import (
    swarm_restore_keep,
    swarm_restore_label_declarations,
    swarm_restore_unreachable,
)

METADATA = {"state": {"nodes": {"m1": {"labels": {"zone": "a"}}, "w1": {"labels": {}}, "gone": {"labels": {"x": 1}}}}}


def test_the_hosts_whose_reachability_check_failed_are_left_out_in_order_each_once():
    hostvars = {
        "m1": {"swarm_restore_reach": {"msg": "timeout"}},  # the restored host itself never counts
        "m2": {"swarm_restore_reach": {"msg": "timeout"}},
        "w1": {"swarm_restore_reach": {"elapsed": 0}},
        "w2": {},
    }
    hosts = ["m1", "m2", "w1", "w2", "m2", "absent"]
    assert swarm_restore_unreachable(hosts, hostvars, "m1") == ["m2"]
    assert swarm_restore_unreachable([], hostvars, "m1") == []


def test_labels_from_the_metadata_are_set_exactly_and_other_ready_nodes_are_only_kept():
    found = swarm_restore_label_declarations(["m1", "w1", "w9", "m1"], "metadata", metadata=METADATA)
    assert found == [
        {"node": "m1", "labels": {"zone": "a"}, "labels_mode": "exact"},
        {"node": "w1", "labels": {}, "labels_mode": "exact"},
        {"node": "w9"},
    ]


def test_labels_from_the_inventory_and_none():
    hostvars = {"m1": {"swarm_labels": {"zone": "b"}}, "w1": {}}
    found = swarm_restore_label_declarations(["m1", "w1"], "inventory", hostvars=hostvars, hosts=["m1", "w1", "m1"])
    assert found == [{"node": "m1", "labels": {"zone": "b"}, "labels_mode": "exact"}, {"node": "w1"}]
    assert swarm_restore_label_declarations(["m1"], "none", metadata=METADATA) == [{"node": "m1"}]


def test_an_unknown_label_source_is_refused_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match="swarm_restore_labels_source must be metadata, inventory or none"):
        swarm_restore_label_declarations(["m1"], "backup")


def test_the_ready_nodes_are_kept_each_once():
    assert swarm_restore_keep(["m1", "w1", "m1"]) == [{"node": "m1"}, {"node": "w1"}]
    assert swarm_restore_keep(None) == []
