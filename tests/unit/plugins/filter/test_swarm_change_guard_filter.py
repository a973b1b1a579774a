# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.swarm_change_guard import swarm_change_guard


def info(node_id, role, leader_of=None):
    nodes = [{"id": leader_of, "leader": True}] if leader_of else []
    return {
        "answers": True,
        "engine": {"version": "20.10.24"},
        "swarm": {"local_node_state": "active", "role": role, "node_id": node_id},
        "nodes": nodes,
    }


def test_reads_what_the_hosts_registered():
    hostvars = {
        "m1": {
            "_engine_swarm_info": info("n1", "manager", leader_of="n1"),
            "_engine_swarm_plan": {"changes": [{"package": "docker-ce"}], "version_after": {"server": "26.1.5"}},
            "_daemon_preview": {"reload_required": True, "restart_required": False, "changed_keys": ["debug"]},
        },
        "w1": {
            "_engine_swarm_info": info("n2", "worker"),
            "_daemon_preview": {"restart_required": True, "changed_keys": ["storage-opts"]},
        },
        "down": {"_engine_swarm_info": {"answers": False, "swarm": {}}},
        "unplanned": {},
    }
    result = swarm_change_guard(["m1", "w1", "down", "unplanned"], hostvars, ["m1", "w1"], engine_version="26.1")
    assert result["refused"]
    assert [(row["host"], row["leader"]) for row in result["rows"]] == [("w1", False), ("m1", True)]
    assert "m1 (manager, leader) 20.10.24 -> 26.1.5" in result["message"]
    assert "w1 (worker): restart for storage-opts" in result["message"]
    assert result["standalone"] == ["down", "unplanned"]


def test_a_failed_check_plans_nothing_and_the_override_allows():
    hostvars = {
        "m1": {
            "_engine_swarm_info": info("n1", "manager"),
            "_engine_swarm_plan": {"failed": True, "msg": "no such version"},
            "_daemon_preview": {"restart_required": True, "changed_keys": ["data-root"]},
        }
    }
    assert swarm_change_guard(["m1"], hostvars)["refused"]
    assert not swarm_change_guard(["m1"], hostvars, allow=True)["refused"]
    hostvars["m1"]["_daemon_preview"]["failed"] = True
    assert not swarm_change_guard(["m1"], hostvars)["refused"]
