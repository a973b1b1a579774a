# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm_drift filter reads each host's registered swarm_info result and swarm_* variables from hostvars."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.swarm_drift import FilterModule


def test_reads_hostvars_with_the_role_defaults_for_what_a_host_does_not_set():
    swarm_drift = FilterModule().filters()["swarm_drift"]
    manager = {"local_node_state": "active", "node_id": "n1", "control_available": True, "cluster_id": "c"}
    nodes = [
        {"id": "n1", "role": "manager", "availability": "active", "labels": {"zone": "a", "extra": "x"}},
    ]
    hostvars = {"mgr1": {"_swarm_read": {"swarm": manager, "nodes": nodes}, "swarm_labels": {"zone": "a"}}}
    assert swarm_drift(["mgr1"], hostvars, managers=["mgr1"], labels_mode="merge") == []
    assert swarm_drift(["mgr1"], hostvars, managers=["mgr1"]) == ["mgr1: labels differ (removed extra)"]
    assert swarm_drift(["mgr1"], {"mgr1": {}}, managers=["mgr1"]) == [
        "mgr1: no manager of the inventory runs a swarm yet"
    ]
